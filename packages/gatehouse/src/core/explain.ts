import { decodeJwt, decodeProtectedHeader, type JWTPayload, type ProtectedHeaderParameters } from 'jose';
import { audienceAccepted, isExpired, isInFuture, timeClaimProblem } from './claims-check.ts';
import { GatehouseError } from './errors.ts';
import type { Gatehouse } from './gatehouse-api.ts';
import { algorithmAccepted, typeAccepted } from './header.ts';
import { audienceHint, issuerHint } from './hints.ts';
import { defaultClaimMapping } from './principal.ts';

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

export interface Explanation {
  header: ProtectedHeaderParameters | undefined;
  claims: JWTPayload | undefined;
  checks: Check[];
  valid: boolean;
  /** The code the API would answer with, when invalid. */
  code: string | undefined;
}

function decode<T>(run: () => T): T | undefined {
  try {
    return run();
  } catch {
    return undefined;
  }
}

function when(seconds: number): string {
  const date = new Date(seconds * 1000);
  // A time beyond the Date range (exp: 1e308) is shown as a number, not a crash.
  return Number.isNaN(date.getTime()) ? `${seconds} s after the epoch` : date.toISOString();
}

/**
 * Runs each check on its own, so one failure does not hide the next, then the real verification
 * for the verdict. What a person reaches for first when a provider's token is refused. Each check
 * calls the predicate verification itself uses, so the two never disagree on a rule.
 */
export async function explain(gatehouse: Gatehouse, token: string, nowMs = Date.now()): Promise<Explanation> {
  const header = decode(() => decodeProtectedHeader(token));
  const claims = decode(() => decodeJwt(token));
  const checks: Check[] = [];
  const add = (name: string, ok: boolean, detail: string) => checks.push({ name, ok, detail });
  const { options } = gatehouse;
  add(
    'format',
    header !== undefined && claims !== undefined,
    header && claims ? 'three base64url segments, JSON header and claims' : 'not a decodable JWT',
  );
  if (header) {
    const alg = String(header.alg);
    add(
      'algorithm',
      algorithmAccepted(header.alg, options),
      `alg ${alg}; accepted: ${options.algorithms.join(', ')}`,
    );
    add(
      'type',
      typeAccepted(header.typ, options.strictType),
      `typ ${header.typ === undefined ? '(none)' : JSON.stringify(header.typ)}${options.strictType ? '; at+jwt required' : ''}`,
    );
  }
  // The issuer this token would be routed to (the only one, or the one its unverified iss names).
  const validator = await (claims && gatehouse.issuers.length > 1
    ? gatehouse.route(claims)
    : Promise.resolve(gatehouse.issuers[0]!)
  ).catch((e: unknown) => e as Error);
  if (claims) {
    const now = Math.floor(nowMs / 1000);
    if (validator instanceof Error) {
      add('issuer', false, validator instanceof GatehouseError ? validator.detail : validator.message);
    } else {
      let issuer: string | undefined;
      let problem: string | undefined;
      try {
        issuer = validator.expectedIssuer(await validator.trustedIssuer(), claims);
      } catch (e) {
        problem = e instanceof GatehouseError ? e.detail : String(e);
      }
      const ok = issuer !== undefined && claims.iss === issuer;
      const hint = issuer !== undefined && !ok ? issuerHint(claims, issuer) : '';
      add(
        'issuer',
        ok,
        problem ?? `iss ${JSON.stringify(claims.iss)}; trusted: ${JSON.stringify(issuer)}${hint}`,
      );
      const { audience, audienceClaim } = validator.config;
      const value = claims[audienceClaim];
      const audOk = audienceAccepted(claims, audienceClaim, audience);
      add(
        'audience',
        audOk,
        `${audienceClaim} ${JSON.stringify(value) ?? 'absent'}; accepted: ${audience.join(', ')}${audOk ? '' : audienceHint(claims)}`,
      );
      // The issuer's own requirements (a B2C user flow, say), which otherwise surface only in the verdict.
      if (validator.config.validate && typeof header?.alg === 'string') {
        const failure = validator.config.validate(claims, { ...header, alg: header.alg });
        add('requirements', failure === undefined, failure ?? "the issuer's own checks pass");
      }
    }
    const tol = options.clockTolerance;
    const expProblem = timeClaimProblem(claims, 'exp');
    const { exp, nbf } = claims;
    if (typeof exp !== 'number') add('expiry', false, 'no exp claim: tokens without expiry are refused');
    else if (expProblem !== undefined) add('expiry', false, expProblem.detail);
    else if (isExpired(exp, now, tol))
      add('expiry', false, `expired ${now - exp} s ago at ${when(exp)} (tolerance ${tol} s)`);
    else add('expiry', true, `expires in ${exp - now} s at ${when(exp)}`);
    const nbfProblem = timeClaimProblem(claims, 'nbf');
    if (nbfProblem !== undefined) add('not before', false, nbfProblem.detail);
    else if (typeof nbf === 'number' && isInFuture(nbf, now, tol))
      add('not before', false, `not valid for another ${nbf - now} s`);
    else add('not before', true, nbf === undefined ? 'no nbf claim' : `valid since ${when(nbf)}`);
    // The issuer's own mapping (a preset may read `uid`, say), as the principal is built.
    const mapping = validator instanceof Error ? defaultClaimMapping : validator.mapping;
    const subject = mapping.subject(claims);
    add(
      'subject',
      subject !== undefined,
      subject === undefined
        ? `no subject: oid ${JSON.stringify(claims.oid)}, sub ${JSON.stringify(claims.sub)}`
        : `subject ${JSON.stringify(subject)}`,
    );
  }
  if (header && !(validator instanceof Error)) {
    const keyCheck = await validator.keys
      .candidates({
        alg: String(header.alg),
        ...(header.kid ? { kid: header.kid } : {}),
        ...(typeof header.x5t === 'string' ? { x5t: header.x5t } : {}),
      })
      .then(
        (found: { keys: readonly unknown[] }) => ({
          ok: true,
          detail: `${found.keys.length} matching key(s) in the issuer's key set`,
        }),
        (e: unknown) => ({ ok: false, detail: e instanceof GatehouseError ? e.detail : String(e) }),
      );
    add('signing key', keyCheck.ok, keyCheck.detail);
  }
  // explain judges the token alone; its binding is for the request that carries it.
  const verdict = await gatehouse.verify(token, { senderConstrained: 'caller-checks' }).then(
    () => undefined,
    (e: unknown) =>
      e instanceof GatehouseError
        ? e
        : new GatehouseError('ERR_TOKEN_MALFORMED', 401, 'invalid_token', { description: String(e) }),
  );
  add(
    'verification',
    verdict === undefined,
    verdict === undefined ? 'signature and claims verified' : `${verdict.code}: ${verdict.detail}`,
  );
  return { header, claims, checks, valid: verdict === undefined, code: verdict?.code };
}
