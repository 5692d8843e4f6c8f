import { decodeProtectedHeader, errors, type JWTHeaderParameters, type JWTPayload, jwtVerify } from 'jose';
import { claimError } from './claims-error.ts';
import { GatehouseError, InvalidTokenError } from './errors.ts';
import type { IssuerKeys } from './issuer-keys.ts';
import type { StoredKey } from './key-store.ts';
import { isCompactJws, MAX_TOKEN_LENGTH } from './token-shape.ts';

export interface VerifyPolicy {
  audience: readonly string[];
  algorithms: readonly string[];
  /** Seconds. */
  clockTolerance: number;
  /** Require `typ: at+jwt` (RFC 9068) instead of accepting `JWT`, `at+jwt` or none. */
  strictType: boolean;
  /** Milliseconds since the epoch. */
  now: () => number;
}

export interface VerifiedToken {
  header: JWTHeaderParameters;
  payload: JWTPayload;
  key: StoredKey;
  issuer: string;
}

/** At most this many keys are tried for a token whose header names none (no `kid`, no `x5t`). */
const MAX_ANONYMOUS_CANDIDATES = 4;

function malformed(detail: string, cause?: unknown): InvalidTokenError {
  return new InvalidTokenError('ERR_TOKEN_MALFORMED', {
    description: 'The token is malformed',
    detail,
    cause,
  });
}

/** Header checks that need no key: shape, algorithm allow-list, `typ`. */
export function checkHeader(token: string, policy: VerifyPolicy): JWTHeaderParameters {
  if (!isCompactJws(token)) {
    throw malformed(
      `token is not three unpadded base64url segments of at most ${MAX_TOKEN_LENGTH} characters`,
    );
  }
  const signature = token.slice(token.lastIndexOf('.') + 1);
  // base64url leaves spare bits in a final character; only the canonical spelling is accepted.
  if (Buffer.from(signature, 'base64url').toString('base64url') !== signature) {
    throw malformed('signature segment is not canonical base64url');
  }
  let header: JWTHeaderParameters;
  try {
    header = decodeProtectedHeader(token) as JWTHeaderParameters;
  } catch (cause) {
    throw malformed(`header: ${cause instanceof Error ? cause.message : 'undecodable'}`, cause);
  }
  const { alg } = header;
  if (typeof alg !== 'string' || !policy.algorithms.includes(alg)) {
    throw new InvalidTokenError('ERR_TOKEN_ALGORITHM', {
      description: 'The token is signed with an algorithm this API does not accept',
      detail: `alg ${JSON.stringify(alg)} is not one of ${policy.algorithms.join(', ')}`,
      claim: 'alg',
      actual: alg,
      expected: policy.algorithms,
    });
  }
  if (header.kid !== undefined && typeof header.kid !== 'string')
    throw malformed('header "kid" is not a string');
  if (header.x5t !== undefined && typeof header.x5t !== 'string')
    throw malformed('header "x5t" is not a string');
  const typ =
    header.typ === undefined
      ? undefined
      : String(header.typ)
          .toLowerCase()
          .replace(/^application\//, '');
  const typeOk = policy.strictType
    ? typ === 'at+jwt'
    : typ === undefined || typ === 'jwt' || typ === 'at+jwt';
  if (!typeOk) {
    throw new InvalidTokenError('ERR_TOKEN_TYPE', {
      description: 'The token is not an access token',
      detail: `header typ ${JSON.stringify(header.typ)} is not ${policy.strictType ? '"at+jwt"' : '"JWT", "at+jwt" or absent'}`,
      claim: 'typ',
      actual: header.typ,
    });
  }
  return header;
}

/**
 * Verifies a compact JWS access token: header policy, a key from the issuer's JWKS only (never
 * from `jwk`/`jku`/`x5u`/`x5c` in the token), signature, then `iss`, `aud`, `exp` (required)
 * and `nbf` with the clock tolerance.
 */
export async function verifyToken(
  token: string,
  keys: IssuerKeys,
  policy: VerifyPolicy,
): Promise<VerifiedToken> {
  const header = checkHeader(token, policy);
  const issuer = await keys.issuer();
  const { store, keys: candidates } = await keys.candidates({
    alg: header.alg,
    ...(header.kid === undefined ? {} : { kid: header.kid }),
    ...(header.x5t === undefined ? {} : { x5t: header.x5t as string }),
  });
  const tried = header.kid === undefined ? candidates.slice(0, MAX_ANONYMOUS_CANDIDATES) : candidates;
  const nowMs = policy.now();
  let lastFailure: unknown;
  for (const key of tried) {
    let cryptoKey: CryptoKey;
    try {
      cryptoKey = await store.cryptoKey(key, header.alg);
    } catch (cause) {
      lastFailure = cause;
      continue;
    }
    try {
      const result = await jwtVerify(token, cryptoKey, {
        issuer,
        audience: [...policy.audience],
        algorithms: [header.alg],
        clockTolerance: policy.clockTolerance,
        requiredClaims: ['exp'],
        currentDate: new Date(nowMs),
      });
      return { header: result.protectedHeader as JWTHeaderParameters, payload: result.payload, key, issuer };
    } catch (error) {
      if (error instanceof errors.JWSSignatureVerificationFailed) {
        lastFailure = error;
        continue;
      }
      throw translate(error, {
        issuer,
        audience: policy.audience,
        clockTolerance: policy.clockTolerance,
        now: Math.floor(nowMs / 1000),
      });
    }
  }
  if (lastFailure instanceof errors.JWSSignatureVerificationFailed || lastFailure === undefined) {
    throw new InvalidTokenError('ERR_TOKEN_SIGNATURE', {
      description: 'The token signature is invalid',
      detail: `signature does not verify with ${tried.length === 1 ? `key ${tried[0]!.kid ?? '(no kid)'}` : `any of ${tried.length} candidate keys`}`,
    });
  }
  throw translate(lastFailure, {
    issuer,
    audience: policy.audience,
    clockTolerance: policy.clockTolerance,
    now: Math.floor(nowMs / 1000),
  });
}

function translate(error: unknown, expected: Parameters<typeof claimError>[1]): GatehouseError {
  if (error instanceof GatehouseError) return error;
  const claim = claimError(error, expected);
  if (claim) return claim;
  if (error instanceof errors.JOSEAlgNotAllowed) {
    return new InvalidTokenError('ERR_TOKEN_ALGORITHM', {
      description: 'The token is signed with an algorithm this API does not accept',
      detail: error.message,
    });
  }
  if (error instanceof errors.JWKInvalid) {
    return new InvalidTokenError('ERR_TOKEN_SIGNATURE', {
      description: 'The token signature is invalid',
      detail: `key could not verify this token: ${error.message}`,
      cause: error,
    });
  }
  // Anything else jose refuses (bad JSON, crit, b64) is about the token's own bytes.
  return malformed(error instanceof Error ? error.message : String(error), error);
}
