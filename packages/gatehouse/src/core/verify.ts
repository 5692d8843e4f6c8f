import { decodeJwt, type JWTHeaderParameters, type JWTPayload } from 'jose';
import { checkAudience, checkClaims } from './claims-check.ts';
import { InvalidTokenError } from './errors.ts';
import { type HeaderRules, malformed } from './header.ts';
import { issuerRefused } from './issuer-errors.ts';
import type { IssuerValidator } from './issuer-validator.ts';
import type { KeyQuery, KeyStore, StoredKey } from './keys/key-store.ts';
import { verifySignature } from './keys/signature.ts';
import { keyVouchesFor } from './tenants.ts';

/** The verification settings every issuer shares. */
export interface VerifySettings extends HeaderRules {
  /** Seconds. */
  clockTolerance: number;
  /** Seconds a token may live: `exp` after `iat` (or after now without `iat`). */
  maxTokenAge: number;
  /** Milliseconds since the epoch. */
  now: () => number;
}

/** A token on its way through verification: its checked header, and the issuer it was routed to. */
export interface TokenToVerify {
  token: string;
  /** From `checkHeader`. */
  header: JWTHeaderParameters;
  /** The unverified claims, when routing or an issuer template needed them. */
  claims: JWTPayload | undefined;
  validator: IssuerValidator;
  settings: VerifySettings;
}

/**
 * What verification reads, loaded: the exact issuer the token must name, and the key set with the
 * keys that may have signed it, their imports finished (a key whose import failed is left out).
 */
interface LoadedIssuer {
  issuer: string;
  store: KeyStore;
  candidates: readonly StoredKey[];
}

export interface VerifiedToken {
  header: JWTHeaderParameters;
  payload: JWTPayload;
  key: StoredKey;
  issuer: string;
}

/** At most this many keys are tried for a token whose header names none (no `kid`, no `x5t`). */
const MAX_ANONYMOUS_CANDIDATES = 4;

/**
 * Verifies a compact JWS access token for one issuer. Answers at once when the issuer, its keys
 * and their imports are already loaded (every token but the first few after start-up or a key
 * rotation); otherwise loads them, then runs the same `verifyLoaded`. Either way a failure throws
 * (or rejects) `InvalidTokenError`.
 */
export function verifyToken(input: TokenToVerify): VerifiedToken | Promise<VerifiedToken> {
  const loaded = alreadyLoaded(input);
  return loaded !== undefined ? verifyLoaded(input, loaded) : load(input).then((l) => verifyLoaded(input, l));
}

/** The issuer and keys for this token if nothing needs fetching or importing; undefined otherwise. */
function alreadyLoaded({ header, claims, validator }: TokenToVerify): LoadedIssuer | undefined {
  const template = validator.knownIssuer;
  if (template === undefined) return undefined;
  const store = validator.keys.loaded();
  const match = store?.match(keyQuery(header));
  if (store === undefined || match?.kind !== 'found') return undefined;
  for (const key of triedKeys(header, match.keys)) if (store.imported(key) === undefined) return undefined;
  return { issuer: validator.expectedIssuer(template, claims), store, candidates: match.keys };
}

/** Fetches what `alreadyLoaded` lacked: metadata, the key set (refetched for an unknown `kid`), key imports. */
async function load({ header, claims, validator }: TokenToVerify): Promise<LoadedIssuer> {
  // The tenant is judged before any key fetch: a refused tenant's tokens never cause one.
  const issuer = validator.expectedIssuer(await validator.trustedIssuer(), claims);
  const { store, keys } = await validator.keys.candidates(keyQuery(header));
  await Promise.all(triedKeys(header, keys).map((key) => store.importKey(key, header.alg).catch(() => {})));
  return { issuer, store, candidates: keys };
}

/**
 * The one verification, over loaded state: a key from the issuer's JWKS only (never from
 * `jwk`/`jku`/`x5u`/`x5c` in the token) that fits the algorithm, the signature, then the
 * registered claims (`iss`, `aud`, `exp`, `nbf`, `iat`), then the checks that need trusted claims.
 */
function verifyLoaded(input: TokenToVerify, loaded: LoadedIssuer): VerifiedToken {
  const { token, header, claims, validator, settings } = input;
  const key = signingKey(token, header, loaded.store, triedKeys(header, loaded.candidates));
  let payload: JWTPayload;
  try {
    payload = claims ?? decodeJwt(token);
  } catch (cause) {
    throw malformed(`claims: ${cause instanceof Error ? cause.message : 'undecodable'}`, cause);
  }
  const { audience, audienceClaim } = validator.config;
  checkClaims(payload, {
    issuer: loaded.issuer,
    audience: audienceClaim === 'aud' ? audience : undefined,
    clockTolerance: settings.clockTolerance,
    maxTokenAge: settings.maxTokenAge,
    now: Math.floor(settings.now() / 1000),
  });
  checkTrustedClaims(payload, header, key, validator);
  return { header, payload, key, issuer: loaded.issuer };
}

/** `checkHeader` made sure `kid` and `x5t` are strings when present. */
function keyQuery(header: JWTHeaderParameters): KeyQuery {
  return { alg: header.alg, kid: header.kid, x5t: header.x5t as string | undefined };
}

function triedKeys(header: JWTHeaderParameters, candidates: readonly StoredKey[]): readonly StoredKey[] {
  return header.kid === undefined ? candidates.slice(0, MAX_ANONYMOUS_CANDIDATES) : candidates;
}

/** The first tried key the signature verifies with; a key whose import failed is skipped. */
function signingKey(
  token: string,
  header: JWTHeaderParameters,
  store: KeyStore,
  tried: readonly StoredKey[],
): StoredKey {
  const dot = token.lastIndexOf('.');
  const signingInput = Buffer.from(token.slice(0, dot), 'latin1');
  const signature = Buffer.from(token.slice(dot + 1), 'base64url');
  for (const key of tried) {
    const verification = store.imported(key);
    if (verification !== undefined && verifySignature(header.alg, verification, signingInput, signature)) {
      return key;
    }
  }
  throw new InvalidTokenError('ERR_TOKEN_SIGNATURE', {
    description: 'The token signature is invalid',
    detail: `signature does not verify with ${tried.length === 1 ? `key ${tried[0]!.kid ?? '(no kid)'}` : `any of ${tried.length} candidate keys`}`,
  });
}

/** Checks that need verified claims: an audience under another claim than `aud`, the key's own issuer, provider rules. */
function checkTrustedClaims(
  payload: JWTPayload,
  header: JWTHeaderParameters,
  key: StoredKey,
  validator: IssuerValidator,
): void {
  const { audience, audienceClaim, validate } = validator.config;
  if (audienceClaim !== 'aud') checkAudience(payload, audienceClaim, audience);
  // Entra publishes each key's issuer: a key of one tenant must not vouch for another's tokens.
  if (key.issuer !== undefined && !keyVouchesFor(key.issuer, payload)) {
    throw issuerRefused(
      'key',
      `signing key ${key.kid ?? ''} belongs to issuer ${key.issuer}, token says ${JSON.stringify(payload.iss)} (tid ${JSON.stringify(payload.tid)})`,
      { claim: 'iss' },
    );
  }
  const failure = validate?.(payload, header);
  if (failure !== undefined) {
    throw new InvalidTokenError('ERR_TOKEN_CLAIM', {
      description: "The token does not meet this issuer's requirements",
      detail: failure,
    });
  }
}
