/**
 * DPoP proof checks of RFC 9449 §4.3, in the order the section lists them; each failure has its
 * own code. The replay check (§4.3 check 12, §11.1) runs later, in the gate, once the token and its
 * binding are known good, so that refused requests never burn a `jti`.
 */
import { createHash } from 'node:crypto';
import { BoundedMap } from '../bounded-map.ts';
import { keyFits } from '../keys/signature.ts';
import { type CompactParts, decodeJsonObject, splitCompact } from './compact.ts';
import { DpopProofError } from './errors.ts';
import { ProofHeaderMemo } from './header-memo.ts';
import { type ProofKey, ProofKeyCache, proofPublicJwk } from './proof-key.ts';
import { verifyProofSignature } from './proof-signature.ts';
import { normalizedHtu } from './request.ts';

/** A proof is a small JWS: a header with one public key, a handful of short claims. */
export const MAX_PROOF_LENGTH = 8 * 1024;
const MAX_JTI_LENGTH = 256;

export interface ProofPolicy {
  algorithms: readonly string[];
  /** Seconds. */
  iatWindow: number;
  /** Seconds. */
  clockTolerance: number;
}

export interface ProofRequest {
  method: string;
  htu: string;
  accessToken: string;
  /** Milliseconds since the epoch. */
  now: number;
}

export interface VerifiedProof {
  /** RFC 7638 SHA-256 thumbprint of the proof key (what `cnf.jkt` must equal, RFC 9449 §6.1). */
  jkt: string;
  jti: string;
  /** Seconds since the epoch. */
  iat: number;
  /** The `nonce` claim as sent (RFC 9449 §4.3 check 10 is the gate's, which knows the nonces). */
  nonce: unknown;
}

function fail(
  code: ConstructorParameters<typeof DpopProofError>[0],
  description: string,
  detail: string,
): never {
  throw new DpopProofError(code, { description, detail });
}

/** `ath` (RFC 9449 §4.2): base64url of the SHA-256 of the ASCII access token. */
export function accessTokenHash(token: string): string {
  return createHash('sha256').update(token, 'ascii').digest('base64url');
}

/** Proof keys of every gate in the process: public keys only, so sharing them is harmless. */
const proofKeys = new ProofKeyCache();
/** Their headers, parsed once per distinct header text. */
const proofHeaders = new ProofHeaderMemo();

/**
 * RFC 7515 §4.1.11: extensions the verifier must understand. The only one jose understood was
 * `b64`, so that alone passes, as before.
 */
function criticalProblem(header: Record<string, unknown>): string | undefined {
  const crit = header.crit;
  if (crit === undefined) return undefined;
  if (!Array.isArray(crit) || crit.length === 0) return 'crit is not a non-empty array';
  for (const name of crit) {
    if (name !== 'b64') return `crit names ${JSON.stringify(name)}, which is not supported`;
    if (typeof header.b64 !== 'boolean') return 'crit names b64, which is not a boolean';
  }
  return undefined;
}

/*
 * Each check on its own, so that `gatehouse-auth explain` reports every one with the very
 * predicate the gate uses; checkProof runs them in RFC order and stops at the first failure.
 */

/** A proof split and its header decoded (memoized per distinct header text). */
export interface ParsedProof {
  parts: CompactParts;
  header: Readonly<Record<string, unknown>>;
  /** The header's key, when this header text was met before. */
  knownKey: ProofKey | undefined;
}

/** §4.3 check 2: a well-formed JWT (compact JWS, the only serialization a header can carry). */
export function parseProof(proof: string): ParsedProof {
  const parts = splitCompact(proof, MAX_PROOF_LENGTH);
  if (parts === undefined)
    fail('ERR_DPOP_PROOF_MALFORMED', 'The DPoP proof is malformed', 'proof is not a compact JWS');
  const known = proofHeaders.get(parts.header);
  const header = known?.header ?? decodeJsonObject(parts.header);
  if (header === undefined)
    fail('ERR_DPOP_PROOF_MALFORMED', 'The DPoP proof is malformed', 'proof header is not a JSON object');
  return { parts, header, knownKey: known?.proofKey };
}

/** §4.3 check 4: typ is dpop+jwt. */
export function checkProofType(header: Readonly<Record<string, unknown>>): void {
  if (header.typ !== 'dpop+jwt')
    fail(
      'ERR_DPOP_PROOF_TYPE',
      'The DPoP proof must have typ dpop+jwt',
      `proof typ ${JSON.stringify(header.typ)}`,
    );
}

/** §4.3 check 5: an asymmetric algorithm the server supports (never none, never a MAC). */
export function proofAlgorithm(
  header: Readonly<Record<string, unknown>>,
  algorithms: readonly string[],
): string {
  const alg = header.alg;
  if (typeof alg !== 'string' || !algorithms.includes(alg))
    fail(
      'ERR_DPOP_PROOF_ALGORITHM',
      'The DPoP proof algorithm is not supported',
      `proof alg ${JSON.stringify(alg)}; accepted: ${algorithms.join(', ')}`,
    );
  return alg;
}

/**
 * §4.3 check 7: a public key, no private members, of the type, curve and size `alg` needs, imported
 * once per distinct key (with its RFC 7638 thumbprint), and no critical extension we do not know.
 */
export function proofKey(parsed: ParsedProof, alg: string): ProofKey {
  const key = parsed.knownKey ?? proofKeys.resolve(proofPublicJwk(parsed.header));
  if (key === undefined || !keyFits(alg, key.key))
    fail('ERR_DPOP_PROOF_KEY', 'The DPoP proof key is unusable', `jwk does not import as a ${alg} key`);
  if (parsed.knownKey === undefined) proofHeaders.remember(parsed.parts.header, parsed.header, key);
  const critical = criticalProblem(parsed.header);
  if (critical !== undefined)
    fail('ERR_DPOP_PROOF_KEY', 'The DPoP proof key is unusable', `verification failed: ${critical}`);
  return key;
}

/** §4.3 check 6: the signature verifies with the header's own key. */
export function checkProofSignature(parsed: ParsedProof, alg: string, key: ProofKey): void {
  if (!verifyProofSignature(alg, key.key, parsed.parts.signingInput, parsed.parts.signature))
    fail(
      'ERR_DPOP_PROOF_SIGNATURE',
      'The DPoP proof signature is invalid',
      'signature does not verify with jwk',
    );
}

/** The proof's claims: a JSON object (an RFC 7797 unencoded payload cannot be one in compact form). */
export function proofClaims(parsed: ParsedProof): Record<string, unknown> {
  const { header } = parsed;
  const unencoded = Array.isArray(header.crit) && header.crit.includes('b64') && header.b64 === false;
  const claims = unencoded ? undefined : decodeJsonObject(parsed.parts.payload);
  if (claims === undefined)
    fail('ERR_DPOP_PROOF_MALFORMED', 'The DPoP proof is malformed', 'proof claims are not a JSON object');
  return claims;
}

/** §4.3 check 3 (required claims) and §4.2: jti, a unique identifier. */
export function proofJti(claims: Readonly<Record<string, unknown>>): string {
  const { jti } = claims;
  if (typeof jti !== 'string' || jti.length === 0 || jti.length > MAX_JTI_LENGTH)
    fail('ERR_DPOP_PROOF_JTI', 'The DPoP proof must have a jti', 'proof jti is absent, empty or too long');
  return jti;
}

/** §4.3 check 8: htm matches the request method. */
export function checkProofMethod(claims: Readonly<Record<string, unknown>>, method: string): void {
  const { htm } = claims;
  if (htm !== method)
    fail(
      'ERR_DPOP_PROOF_METHOD',
      'The DPoP proof htm does not match the request method',
      `proof htm ${JSON.stringify(htm)}; request method ${method}`,
    );
}

/** §4.3 check 9: htu matches the request URI, query and fragment ignored, after normalization. */
export function checkProofUri(claims: Readonly<Record<string, unknown>>, requestHtu: string): void {
  const { htu } = claims;
  const proofHtu = typeof htu === 'string' ? normalizedHtu(htu) : undefined;
  if (proofHtu !== requestHtu)
    fail(
      'ERR_DPOP_PROOF_URI',
      'The DPoP proof htu does not match the request URI',
      `proof htu ${JSON.stringify(htu)}; request URI ${requestHtu}`,
    );
}

/** §4.3 check 11 and §11.1: iat within the window (past) and the clock tolerance (both ways). */
export function proofIat(
  claims: Readonly<Record<string, unknown>>,
  nowMs: number,
  policy: ProofPolicy,
): number {
  const { iat } = claims;
  const now = nowMs / 1000;
  if (
    typeof iat !== 'number' ||
    !Number.isFinite(iat) ||
    iat < now - policy.iatWindow - policy.clockTolerance ||
    iat > now + policy.clockTolerance
  )
    fail(
      'ERR_DPOP_PROOF_IAT',
      'The DPoP proof is too old, from the future, or has no iat',
      `proof iat ${JSON.stringify(iat)}; now ${Math.floor(now)}`,
    );
  return iat;
}

/**
 * `ath` of the tokens clients keep sending: a client presents one access token with many proofs,
 * and hashing it again is a tenth of a request's own work. Keyed by the token's last characters
 * (its signature's), as the verified-token cache is, and confirmed against the whole token: a Map
 * keyed by the whole token made V8 hash all of its 1–2 KB on every request (the token is a fresh
 * string each time), which cost more than the SHA-256 the memo saves. Bounded, oldest dropped
 * first, so made-up tokens cost their sender a hash each and hold at most 1 MiB.
 */
const tokenHashes = new BoundedMap<string, { token: string; ath: string }>(256);
const MAX_MEMO_TOKEN_LENGTH = 4096;
const MEMO_KEY_CHARS = 32;

function memoizedTokenHash(token: string): string {
  const key = token.length > MEMO_KEY_CHARS ? token.slice(-MEMO_KEY_CHARS) : token;
  const known = tokenHashes.get(key);
  if (known !== undefined && known.token === token) return known.ath;
  const ath = accessTokenHash(token);
  if (token.length <= MAX_MEMO_TOKEN_LENGTH) tokenHashes.set(key, { token, ath });
  return ath;
}

/** §4.3 check 12 (with an access token): ath is the hash of the token presented. */
export function checkProofAth(claims: Readonly<Record<string, unknown>>, accessToken: string): void {
  if (claims.ath !== memoizedTokenHash(accessToken))
    fail('ERR_DPOP_PROOF_ATH', 'The DPoP proof ath does not match the access token', 'proof ath mismatch');
}

/** RFC 7638 SHA-256 thumbprint of a proof's public key (what `cnf.jkt` must equal, §6.1); undefined if it does not import. */
export function proofKeyThumbprint(jwk: Readonly<Record<string, unknown>>): string | undefined {
  return proofKeys.resolve(jwk)?.jkt;
}

/** The checks of RFC 9449 §4.3 (but replay and nonce), in order: synchronous, node:crypto only. */
export function checkProof(proof: string, request: ProofRequest, policy: ProofPolicy): VerifiedProof {
  const parsed = parseProof(proof);
  checkProofType(parsed.header);
  const alg = proofAlgorithm(parsed.header, policy.algorithms);
  const key = proofKey(parsed, alg);
  checkProofSignature(parsed, alg, key);
  const claims = proofClaims(parsed);
  const jti = proofJti(claims);
  checkProofMethod(claims, request.method);
  checkProofUri(claims, request.htu);
  const iat = proofIat(claims, request.now, policy);
  checkProofAth(claims, request.accessToken);
  return { jkt: key.jkt, jti, iat, nonce: claims.nonce };
}
