import { errors, type JWTPayload } from 'jose';
import { InvalidTokenError } from './errors.ts';
import { audienceHint, issuerHint } from './hints.ts';

export interface ClaimExpectations {
  issuer: string;
  audience: readonly string[];
  clockTolerance: number;
  /** Seconds since the epoch. */
  now: number;
}

function show(value: unknown): string {
  return JSON.stringify(value) ?? 'undefined';
}

/** Translates jose's claim failures into typed errors whose detail says exactly what was wrong. */
export function claimError(error: unknown, expected: ClaimExpectations): InvalidTokenError | undefined {
  if (error instanceof errors.JWTExpired) {
    const exp = Number(error.payload.exp);
    const ago = expected.now - exp;
    return new InvalidTokenError('ERR_TOKEN_EXPIRED', {
      description: 'The token has expired',
      detail: `token expired ${ago} s ago at ${new Date(exp * 1000).toISOString()} (clock tolerance ${expected.clockTolerance} s)`,
      claim: 'exp',
      actual: exp,
    });
  }
  if (!(error instanceof errors.JWTClaimValidationFailed)) return undefined;
  const payload: JWTPayload = error.payload;
  switch (error.claim) {
    case 'iss':
      return new InvalidTokenError('ERR_TOKEN_ISSUER', {
        description: 'The token was issued by an untrusted issuer',
        detail: `iss ${show(payload.iss)} is not the trusted issuer ${show(expected.issuer)}${issuerHint(payload, expected.issuer)}`,
        claim: 'iss',
        expected: expected.issuer,
        actual: payload.iss,
      });
    case 'aud':
      return new InvalidTokenError('ERR_TOKEN_AUDIENCE', {
        description: 'The token is meant for another audience',
        detail: `aud ${show(payload.aud)} does not include ${expected.audience.length > 1 ? 'any of ' : ''}${expected.audience.map(show).join(', ')}${audienceHint(payload)}`,
        claim: 'aud',
        expected: expected.audience,
        actual: payload.aud,
      });
    case 'nbf': {
      if (error.reason === 'check_failed') {
        const nbf = Number(payload.nbf);
        return new InvalidTokenError('ERR_TOKEN_NOT_YET_VALID', {
          description: 'The token is not yet valid',
          detail: `token is not valid for another ${nbf - expected.now} s (nbf ${new Date(nbf * 1000).toISOString()}, clock tolerance ${expected.clockTolerance} s)`,
          claim: 'nbf',
          actual: nbf,
        });
      }
      break;
    }
    default:
      break;
  }
  const missing = error.reason === 'missing';
  return new InvalidTokenError('ERR_TOKEN_CLAIM', {
    description: missing
      ? `The token lacks the "${error.claim}" claim`
      : `The token's "${error.claim}" claim is invalid`,
    detail: `${error.claim}: ${error.message}`,
    claim: error.claim,
    actual: payload[error.claim],
  });
}
