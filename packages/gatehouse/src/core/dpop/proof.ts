/**
 * DPoP proof checks of RFC 9449 §4.3, in the order the section lists them; each failure has its
 * own code. The replay check (§4.3 check 12, §11.1) runs later, in the gate, once the token and its
 * binding are known good, so that refused requests never burn a `jti`.
 */
import { createHash } from 'node:crypto';
import {
  calculateJwkThumbprint,
  compactVerify,
  decodeProtectedHeader,
  importJWK,
  type JWK,
  errors as joseErrors,
  type ProtectedHeaderParameters,
} from 'jose';
import { isCompactJws } from '../token-shape.ts';
import { DpopProofError } from './errors.ts';
import { htuOf } from './request.ts';

/** A proof is a small JWS: a header with one public key, a handful of short claims. */
export const MAX_PROOF_LENGTH = 8 * 1024;
const MAX_JTI_LENGTH = 256;
/** JWK members that only private (or symmetric) keys have (RFC 7518 §6.2.2, §6.3.2, §6.4; RFC 8037 §2). */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

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

function publicJwk(header: ProtectedHeaderParameters): JWK {
  const jwk = header.jwk;
  if (jwk === null || typeof jwk !== 'object' || Array.isArray(jwk))
    fail('ERR_DPOP_PROOF_KEY', 'The DPoP proof must carry its public key', 'proof header has no jwk object');
  if (jwk.kty !== 'EC' && jwk.kty !== 'RSA' && jwk.kty !== 'OKP')
    fail(
      'ERR_DPOP_PROOF_KEY',
      'The DPoP proof key is not an asymmetric key',
      `jwk kty ${JSON.stringify(jwk.kty)}`,
    );
  const secret = PRIVATE_MEMBERS.find((member) => member in jwk);
  if (secret !== undefined)
    fail(
      'ERR_DPOP_PROOF_KEY',
      'The DPoP proof key must not contain private key material',
      `jwk has the private member ${secret}`,
    );
  return jwk;
}

/*
 * Each check on its own, so that `gatehouse-auth explain` reports every one with the very
 * predicate the gate uses; verifyProof runs them in RFC order and stops at the first failure.
 */

/** §4.3 check 2: a well-formed JWT (compact JWS, the only serialization a header can carry). */
export function proofHeader(proof: string): ProtectedHeaderParameters {
  if (proof.length > MAX_PROOF_LENGTH || !isCompactJws(proof))
    fail('ERR_DPOP_PROOF_MALFORMED', 'The DPoP proof is malformed', 'proof is not a compact JWS');
  try {
    return decodeProtectedHeader(proof);
  } catch {
    fail('ERR_DPOP_PROOF_MALFORMED', 'The DPoP proof is malformed', 'proof header is not a JSON object');
  }
}

/** §4.3 check 4: typ is dpop+jwt. */
export function checkProofType(header: ProtectedHeaderParameters): void {
  if (header.typ !== 'dpop+jwt')
    fail(
      'ERR_DPOP_PROOF_TYPE',
      'The DPoP proof must have typ dpop+jwt',
      `proof typ ${JSON.stringify(header.typ)}`,
    );
}

/** §4.3 check 5: an asymmetric algorithm the server supports (never none, never a MAC). */
export function proofAlgorithm(header: ProtectedHeaderParameters, algorithms: readonly string[]): string {
  const alg = header.alg;
  if (typeof alg !== 'string' || !algorithms.includes(alg))
    fail(
      'ERR_DPOP_PROOF_ALGORITHM',
      'The DPoP proof algorithm is not supported',
      `proof alg ${JSON.stringify(alg)}; accepted: ${algorithms.join(', ')}`,
    );
  return alg;
}

/** §4.3 check 7: a public key, no private members. */
export const proofPublicJwk = publicJwk;

/** §4.3 check 6: the signature verifies with the header's own key; returns the payload bytes. */
export async function proofSignature(proof: string, jwk: JWK, alg: string): Promise<Uint8Array> {
  let key: Awaited<ReturnType<typeof importJWK>>;
  try {
    key = await importJWK(jwk, alg);
  } catch {
    fail('ERR_DPOP_PROOF_KEY', 'The DPoP proof key is unusable', `jwk does not import as a ${alg} key`);
  }
  try {
    return (await compactVerify(proof, key, { algorithms: [alg] })).payload;
  } catch (error) {
    if (error instanceof joseErrors.JWSSignatureVerificationFailed)
      fail(
        'ERR_DPOP_PROOF_SIGNATURE',
        'The DPoP proof signature is invalid',
        'signature does not verify with jwk',
      );
    fail(
      'ERR_DPOP_PROOF_KEY',
      'The DPoP proof key is unusable',
      `verification failed: ${error instanceof Error ? error.message : 'unknown'}`,
    );
  }
}

/** The proof's claims: a JSON object. */
export function proofClaims(payloadBytes: Uint8Array): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(payloadBytes));
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
      throw new Error('not an object');
    return parsed as Record<string, unknown>;
  } catch {
    fail('ERR_DPOP_PROOF_MALFORMED', 'The DPoP proof is malformed', 'proof claims are not a JSON object');
  }
}

/** §4.3 check 3 (required claims) and §4.2: jti, a unique identifier. */
export function proofJti(claims: Record<string, unknown>): string {
  const { jti } = claims;
  if (typeof jti !== 'string' || jti.length === 0 || jti.length > MAX_JTI_LENGTH)
    fail('ERR_DPOP_PROOF_JTI', 'The DPoP proof must have a jti', 'proof jti is absent, empty or too long');
  return jti;
}

/** §4.3 check 8: htm matches the request method. */
export function checkProofMethod(claims: Record<string, unknown>, method: string): void {
  const { htm } = claims;
  if (htm !== method)
    fail(
      'ERR_DPOP_PROOF_METHOD',
      'The DPoP proof htm does not match the request method',
      `proof htm ${JSON.stringify(htm)}; request method ${method}`,
    );
}

/** §4.3 check 9: htu matches the request URI, query and fragment ignored, after normalization. */
export function checkProofUri(claims: Record<string, unknown>, requestHtu: string): void {
  const { htu } = claims;
  let proofHtu: string | undefined;
  if (typeof htu === 'string') {
    try {
      proofHtu = htuOf(new URL(htu));
    } catch {
      proofHtu = undefined;
    }
  }
  if (proofHtu !== requestHtu)
    fail(
      'ERR_DPOP_PROOF_URI',
      'The DPoP proof htu does not match the request URI',
      `proof htu ${JSON.stringify(htu)}; request URI ${requestHtu}`,
    );
}

/** §4.3 check 11 and §11.1: iat within the window (past) and the clock tolerance (both ways). */
export function proofIat(claims: Record<string, unknown>, nowMs: number, policy: ProofPolicy): number {
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

/** §4.3 check 12 (with an access token): ath is the hash of the token presented. */
export function checkProofAth(claims: Record<string, unknown>, accessToken: string): void {
  if (claims.ath !== accessTokenHash(accessToken))
    fail('ERR_DPOP_PROOF_ATH', 'The DPoP proof ath does not match the access token', 'proof ath mismatch');
}

/** RFC 7638 SHA-256 thumbprint of the proof key: what `cnf.jkt` must equal (§6.1). */
export function proofKeyThumbprint(jwk: JWK): Promise<string> {
  return calculateJwkThumbprint(jwk, 'sha256');
}

export async function verifyProof(
  proof: string,
  request: ProofRequest,
  policy: ProofPolicy,
): Promise<VerifiedProof> {
  const header = proofHeader(proof);
  checkProofType(header);
  const alg = proofAlgorithm(header, policy.algorithms);
  const jwk = proofPublicJwk(header);
  const claims = proofClaims(await proofSignature(proof, jwk, alg));
  const jti = proofJti(claims);
  checkProofMethod(claims, request.method);
  checkProofUri(claims, request.htu);
  const iat = proofIat(claims, request.now, policy);
  checkProofAth(claims, request.accessToken);
  return { jkt: await proofKeyThumbprint(jwk), jti, iat, nonce: claims.nonce };
}
