import { decodeJwt, decodeProtectedHeader, type JWTHeaderParameters, type JWTPayload } from 'jose';
import { checkAudienceClaim, checkClaims } from './claims-check.ts';
import { InvalidTokenError } from './errors.ts';
import type { IssuerValidator } from './issuer-validator.ts';
import type { KeyQuery, StoredKey } from './key-store.ts';
import { type VerificationKey, verifySignature } from './signature.ts';
import { isCompactJws, MAX_TOKEN_LENGTH } from './token-shape.ts';

export interface VerifyPolicy {
  algorithms: readonly string[];
  /** Seconds. */
  clockTolerance: number;
  /** Require `typ: at+jwt` (RFC 9068) instead of accepting `JWT`, `at+jwt` or none. */
  strictType: boolean;
  /** Seconds a token may live: `exp` after `iat` (or after now without `iat`). */
  maxTokenAge: number;
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

function badSignature(detail: string): InvalidTokenError {
  return new InvalidTokenError('ERR_TOKEN_SIGNATURE', {
    description: 'The token signature is invalid',
    detail,
  });
}

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/**
 * base64url leaves spare bits in a final character, so several spellings decode to the same bytes;
 * only the one whose spare bits are zero is accepted. The alphabet was checked by `isCompactJws`.
 */
function canonicalBase64url(text: string, start: number): boolean {
  const remainder = (text.length - start) % 4;
  if (remainder === 0) return true;
  if (remainder === 1) return false; // no byte count encodes to this length
  const last = BASE64URL.indexOf(text[text.length - 1]!);
  return (last & (remainder === 2 ? 0b1111 : 0b11)) === 0;
}

/**
 * Headers that passed `checkHeader`, by their encoded text: an issuer signs every token with one
 * of a handful of headers, so parsing and checking each one once saves that work on every token.
 * Only flat headers (no nested objects) are kept, frozen; the text is compared whole, so only the
 * identical header is ever served. Bounded: when full it starts over, so a stream of made-up
 * headers costs its sender a parse each, as without the memo, and never grows it.
 */
export class HeaderMemo {
  static readonly MAX_ENTRIES = 32;
  readonly #headers = new Map<string, JWTHeaderParameters>();

  get(encoded: string): JWTHeaderParameters | undefined {
    return this.#headers.get(encoded);
  }

  remember(encoded: string, header: JWTHeaderParameters): JWTHeaderParameters {
    for (const value of Object.values(header)) if (value !== null && typeof value === 'object') return header;
    if (this.#headers.size >= HeaderMemo.MAX_ENTRIES) this.#headers.clear();
    const frozen = Object.freeze(header);
    this.#headers.set(encoded, frozen);
    return frozen;
  }

  get size(): number {
    return this.#headers.size;
  }
}

/**
 * Header checks that need no key: shape, one spelling, algorithm allow-list, no extensions, `typ`.
 * With a memo, a header seen before is not parsed again (the shape checks still run per token).
 */
export function checkHeader(token: string, policy: VerifyPolicy, memo?: HeaderMemo): JWTHeaderParameters {
  if (!isCompactJws(token)) {
    throw malformed(
      `token is not three unpadded base64url segments of at most ${MAX_TOKEN_LENGTH} characters`,
    );
  }
  if (!canonicalBase64url(token, token.lastIndexOf('.') + 1)) {
    throw malformed('signature segment is not canonical base64url');
  }
  if (memo === undefined) return parseHeader(token, policy);
  const encoded = token.slice(0, token.indexOf('.'));
  return memo.get(encoded) ?? memo.remember(encoded, parseHeader(token, policy));
}

function parseHeader(token: string, policy: VerifyPolicy): JWTHeaderParameters {
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
  // No JWS extension is understood here (RFC 7515 §4.1.11), and unencoded payloads (RFC 7797) never.
  if (header.crit !== undefined)
    throw malformed(`header crit ${JSON.stringify(header.crit)} names extensions this API does not support`);
  if (header.b64 !== undefined) throw malformed('header b64 (unencoded payload) is not supported');
  if (header.kid !== undefined && typeof header.kid !== 'string')
    throw malformed('header kid is not a string');
  if (header.x5t !== undefined && typeof header.x5t !== 'string')
    throw malformed('header x5t is not a string');
  // RFC 7515 §4.1.9 makes `typ` a string; `String(["JWT"])` would read an array as "JWT".
  if (header.typ !== undefined && typeof header.typ !== 'string') {
    throw new InvalidTokenError('ERR_TOKEN_TYPE', {
      description: 'The token is not an access token',
      detail: `header typ ${JSON.stringify(header.typ)} is not a string`,
      claim: 'typ',
      actual: header.typ,
    });
  }
  const typ = header.typ?.toLowerCase().replace(/^application\//, '');
  const typeOk = policy.strictType
    ? typ === 'at+jwt'
    : typ === undefined || typ === 'jwt' || typ === 'at+jwt';
  if (!typeOk) {
    throw new InvalidTokenError('ERR_TOKEN_TYPE', {
      description: 'The token is not an access token',
      detail: `header typ ${JSON.stringify(header.typ)} is not ${policy.strictType ? 'at+jwt' : 'JWT, at+jwt or absent'}`,
      claim: 'typ',
      actual: header.typ,
    });
  }
  return header;
}

/**
 * Verifies a compact JWS access token for one issuer: a key from the issuer's JWKS only (never
 * from `jwk`/`jku`/`x5u`/`x5c` in the token) that fits the algorithm, the signature, then `iss`,
 * `aud`, `exp` (required) and `nbf` with the clock tolerance, then the issuer's own checks.
 * `header` comes from `checkHeader`; `claims` are the unverified claims, for issuer templates.
 *
 * Answers at once when the issuer, its keys and their imports are already at hand (every token
 * but the first few after start-up or a key rotation); otherwise returns a promise. Either way
 * the same checks run in the same order, and a failure throws (or rejects) `InvalidTokenError`.
 */
export function verifyToken(
  token: string,
  header: JWTHeaderParameters,
  claims: JWTPayload | undefined,
  validator: IssuerValidator,
  policy: VerifyPolicy,
): VerifiedToken | Promise<VerifiedToken> {
  const template = validator.knownIssuer;
  const found = template === undefined ? undefined : validator.keys.candidatesNow(keyQuery(header));
  if (template !== undefined && found !== undefined) {
    const tried = triedKeys(header, found.keys);
    const ready: VerificationKey[] = [];
    for (const key of tried) {
      const verification = found.store.keyObjectNow(key);
      if (verification === undefined) break;
      ready.push(verification);
    }
    if (ready.length === tried.length) {
      const issuer = validator.expectedIssuer(template, claims);
      return checkVerified(token, header, claims, validator, policy, issuer, tried, ready);
    }
  }
  return verifyTokenLater(token, header, claims, validator, policy);
}

async function verifyTokenLater(
  token: string,
  header: JWTHeaderParameters,
  claims: JWTPayload | undefined,
  validator: IssuerValidator,
  policy: VerifyPolicy,
): Promise<VerifiedToken> {
  const issuer = validator.expectedIssuer(await validator.trustedIssuer(), claims);
  const { store, keys: candidates } = await validator.keys.candidates(keyQuery(header));
  const tried = triedKeys(header, candidates);
  // A key that fails to import is left out, as if the issuer had not published it.
  const imported = await Promise.all(
    tried.map((key) => store.keyObject(key, header.alg).catch(() => undefined)),
  );
  return checkVerified(token, header, claims, validator, policy, issuer, tried, imported);
}

/** `checkHeader` made sure `kid` and `x5t` are strings when present. */
function keyQuery(header: JWTHeaderParameters): KeyQuery {
  return { alg: header.alg, kid: header.kid, x5t: header.x5t as string | undefined };
}

function triedKeys(header: JWTHeaderParameters, candidates: readonly StoredKey[]): readonly StoredKey[] {
  return header.kid === undefined ? candidates.slice(0, MAX_ANONYMOUS_CANDIDATES) : candidates;
}

/** The signature against each tried key (`verifications[i]` is `tried[i]`'s, undefined if unusable), then the claims. */
function checkVerified(
  token: string,
  header: JWTHeaderParameters,
  claims: JWTPayload | undefined,
  validator: IssuerValidator,
  policy: VerifyPolicy,
  issuer: string,
  tried: readonly StoredKey[],
  verifications: readonly (VerificationKey | undefined)[],
): VerifiedToken {
  const dot = token.lastIndexOf('.');
  const signingInput = Buffer.from(token.slice(0, dot), 'latin1');
  const signature = Buffer.from(token.slice(dot + 1), 'base64url');
  let verifiedBy: StoredKey | undefined;
  for (let i = 0; i < tried.length; i++) {
    const verification = verifications[i];
    if (verification !== undefined && verifySignature(header.alg, verification, signingInput, signature)) {
      verifiedBy = tried[i];
      break;
    }
  }
  if (verifiedBy === undefined) {
    throw badSignature(
      `signature does not verify with ${tried.length === 1 ? `key ${tried[0]!.kid ?? '(no kid)'}` : `any of ${tried.length} candidate keys`}`,
    );
  }
  let payload: JWTPayload;
  try {
    payload = claims ?? decodeJwt(token);
  } catch (cause) {
    throw malformed(`claims: ${cause instanceof Error ? cause.message : 'undecodable'}`, cause);
  }
  const { audience, audienceClaim } = validator.config;
  checkClaims(payload, {
    issuer,
    audience: audienceClaim === 'aud' ? audience : undefined,
    clockTolerance: policy.clockTolerance,
    maxTokenAge: policy.maxTokenAge,
    now: Math.floor(policy.now() / 1000),
  });
  checkAfterSignature(payload, header, verifiedBy, validator);
  return { header, payload, key: verifiedBy, issuer };
}

/** Checks that need verified claims: a non-`aud` audience claim, the key's own issuer, provider rules. */
function checkAfterSignature(
  payload: JWTPayload,
  header: JWTHeaderParameters,
  key: StoredKey,
  validator: IssuerValidator,
): void {
  const { audience, audienceClaim, validate } = validator.config;
  if (audienceClaim !== 'aud') checkAudienceClaim(payload, audienceClaim, audience);
  // Entra publishes each key's issuer: a key of one tenant must not vouch for another's tokens.
  if (key.issuer !== undefined && !keyIssuerFits(key.issuer, payload)) {
    throw new InvalidTokenError('ERR_TOKEN_ISSUER', {
      description: 'The token was signed with a key of another issuer',
      detail: `signing key ${key.kid ?? ''} belongs to issuer ${key.issuer}, token says ${JSON.stringify(payload.iss)} (tid ${JSON.stringify(payload.tid)})`,
      claim: 'iss',
    });
  }
  const failure = validate?.(payload, header);
  if (failure !== undefined) {
    throw new InvalidTokenError('ERR_TOKEN_CLAIM', {
      description: "The token does not meet this issuer's requirements",
      detail: failure,
    });
  }
}

const TENANT_IN_URL = /\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(?:\/|$)/i;

/**
 * A key's `issuer` (Entra JWKS) vouches for a token when it is the token's issuer, with the
 * `{tenantid}` template filled from `tid`; or, because v1 (`sts.windows.net`) and v2 tokens of one
 * tenant share keys, when the key's tenant is the token's tenant named in both `iss` and `tid`.
 */
function keyIssuerFits(keyIssuer: string, payload: JWTPayload): boolean {
  const { iss, tid } = payload;
  if (typeof iss !== 'string') return false;
  const resolved = typeof tid === 'string' ? keyIssuer.replaceAll('{tenantid}', tid) : keyIssuer;
  if (resolved === iss) return true;
  const keyTenant = TENANT_IN_URL.exec(resolved)?.[1];
  const tokenTenant = TENANT_IN_URL.exec(iss)?.[1];
  return keyTenant !== undefined && typeof tid === 'string' && keyTenant === tid && tokenTenant === tid;
}
