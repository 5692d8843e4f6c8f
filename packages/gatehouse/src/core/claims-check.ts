import type { JWTPayload } from 'jose';
import { checkConfirmation } from './confirmation.ts';
import { InvalidTokenError } from './errors.ts';
import { audienceHint, issuerHint } from './hints.ts';
import { issuerRefused } from './issuer-errors.ts';

export interface ClaimExpectations {
  issuer: string;
  /** Checked against `aud`; `undefined` when the issuer's audience lives in another claim. */
  audience: readonly string[] | undefined;
  /** Seconds. */
  clockTolerance: number;
  /** Seconds: the longest accepted `exp - iat` (`exp - now` without `iat`). */
  maxTokenAge: number;
  /** Seconds since the epoch. */
  now: number;
}

function show(value: unknown): string {
  return JSON.stringify(value) ?? 'undefined';
}

function iso(seconds: number): string {
  return new Date(seconds * 1000).toISOString();
}

/** Seconds either side of the epoch a `Date` can hold (ECMAScript's ±8.64e15 ms): year 275760. */
const MAX_TIME = 8_640_000_000_000;

/**
 * A time a clock can hold: a finite number within the `Date` range, itself well inside the safe
 * integers, so arithmetic on it stays exact and every message can print it as a date. 1e308,
 * Infinity and their like are absurd, not "far future". NumericDate may have a fraction
 * (RFC 7519 §2), which is kept.
 */
function isTime(value: unknown): value is number {
  return typeof value === 'number' && value >= -MAX_TIME && value <= MAX_TIME;
}

function claimType(name: string, value: unknown): InvalidTokenError {
  return new InvalidTokenError('ERR_TOKEN_CLAIM', {
    description: `The token's ${name} claim is invalid`,
    detail: `${name} is ${show(value)}, not a number of seconds`,
    claim: name,
    actual: value,
  });
}

/** Why a time claim is unusable: `exp` missing, or any of `exp`, `nbf`, `iat` not a time a clock can hold. */
export function timeClaimProblem(
  claims: Readonly<JWTPayload>,
  name: 'exp' | 'nbf' | 'iat',
): InvalidTokenError | undefined {
  const value = claims[name];
  if (value === undefined) {
    if (name !== 'exp') return undefined;
    return new InvalidTokenError('ERR_TOKEN_CLAIM', {
      description: 'The token lacks the exp claim',
      detail: 'exp is required',
      claim: 'exp',
    });
  }
  return isTime(value) ? undefined : claimType(name, value);
}

/** Whether `exp` has passed, allowing the clock tolerance (all in seconds). */
export function isExpired(exp: number, now: number, tolerance: number): boolean {
  return exp <= now - tolerance;
}

/** Whether `nbf` or `iat` lies ahead, beyond the clock tolerance (all in seconds). */
export function isInFuture(time: number, now: number, tolerance: number): boolean {
  return time > now + tolerance;
}

/**
 * The registered-claim rules of RFC 7519 §4.1 as an access token needs them (RFC 9068 §4):
 * `iss` exact, `aud` containing an accepted value, `exp` required, `nbf` and `iat` numeric,
 * times within the clock tolerance, `iat` not in the future, a lifetime of at most
 * `maxTokenAge`, and a `cnf` (if any) whose binding is enforced here. Each failure names the claim
 * and what was expected.
 */
export function checkClaims(claims: JWTPayload, expected: ClaimExpectations): void {
  const tolerance = expected.clockTolerance;
  const timeFailure =
    timeClaimProblem(claims, 'exp') ?? timeClaimProblem(claims, 'nbf') ?? timeClaimProblem(claims, 'iat');
  if (timeFailure !== undefined) throw timeFailure;
  // Checked just above: exp is a time, nbf and iat are times when present.
  const { exp, nbf, iat } = claims as JWTPayload & { exp: number };
  if (claims.iss !== expected.issuer) {
    throw issuerRefused(
      'issuer',
      `iss ${show(claims.iss)} is not the trusted issuer ${show(expected.issuer)}${issuerHint(claims, expected.issuer)}`,
      { claim: 'iss', expected: expected.issuer, actual: claims.iss },
    );
  }
  if (expected.audience !== undefined) checkAudience(claims, 'aud', expected.audience);
  if (isExpired(exp, expected.now, tolerance)) {
    throw new InvalidTokenError('ERR_TOKEN_EXPIRED', {
      description: 'The token has expired',
      detail: `token expired ${expected.now - exp} s ago at ${iso(exp)} (clock tolerance ${tolerance} s)`,
      claim: 'exp',
      actual: exp,
    });
  }
  if (nbf !== undefined && isInFuture(nbf, expected.now, tolerance)) {
    throw new InvalidTokenError('ERR_TOKEN_NOT_YET_VALID', {
      description: 'The token is not yet valid',
      detail: `token is not valid for another ${nbf - expected.now} s (nbf ${iso(nbf)}, clock tolerance ${tolerance} s)`,
      claim: 'nbf',
      actual: nbf,
    });
  }
  if (iat !== undefined && isInFuture(iat, expected.now, tolerance)) {
    throw new InvalidTokenError('ERR_TOKEN_NOT_YET_VALID', {
      description: 'The token is not yet valid',
      detail: `token is issued ${iat - expected.now} s in the future (iat ${iso(iat)}, clock tolerance ${tolerance} s)`,
      claim: 'iat',
      actual: iat,
    });
  }
  // Without iat the lifetime left is all that can be measured, against a clock that may lag.
  const lifetime = iat === undefined ? exp - expected.now - tolerance : exp - iat;
  if (lifetime > expected.maxTokenAge) {
    throw new InvalidTokenError('ERR_TOKEN_CLAIM', {
      description: "The token's exp claim is invalid",
      detail: `token lives ${lifetime} s ${iat === undefined ? 'from now (no iat)' : 'from iat'}, longer than maxTokenAge ${expected.maxTokenAge} s (exp ${iso(exp)})`,
      claim: 'exp',
      actual: exp,
    });
  }
  // A binding this API cannot enforce would leave a sender-constrained token a bearer token.
  checkConfirmation(claims.cnf);
}

/** Whether the audience claim (`aud`, or the issuer's `audienceClaim`) holds an accepted audience: a string, or an array with one. */
export function audienceAccepted(
  claims: Readonly<JWTPayload>,
  audienceClaim: string,
  accepted: readonly string[],
): boolean {
  const value = claims[audienceClaim];
  const values = Array.isArray(value) ? value : [value];
  return values.some((v) => typeof v === 'string' && accepted.includes(v));
}

/**
 * The audience rule, under whatever claim the issuer puts it: `aud` (checked with the registered
 * claims, above) or another claim such as Cognito's `client_id` (checked once the claims are
 * trusted: a verified signature, or the issuer's introspection answer).
 */
export function checkAudience(
  claims: Readonly<JWTPayload>,
  audienceClaim: string,
  accepted: readonly string[],
): void {
  if (audienceAccepted(claims, audienceClaim, accepted)) return;
  const value = claims[audienceClaim];
  throw new InvalidTokenError('ERR_TOKEN_AUDIENCE', {
    description: 'The token is meant for another audience',
    detail:
      audienceClaim === 'aud'
        ? `aud ${show(value)} does not include ${accepted.length > 1 ? 'any of ' : ''}${accepted.map(show).join(', ')}${audienceHint(claims)}`
        : `${audienceClaim} ${JSON.stringify(value) ?? 'absent'} is not one of ${accepted.join(', ')}`,
    claim: audienceClaim,
    expected: accepted,
    actual: value,
  });
}
