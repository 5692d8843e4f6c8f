/**
 * DPoP proof checks of RFC 9449 §4.3, in the order the section lists them; each failure has its
 * own code. The replay check (§4.3 check 12, §11.1) runs later, in the gate, once the token and its
 * binding are known good, so that refused requests never burn a `jti`.
 */
import { createHash } from 'node:crypto';
import { keyFits } from '../signature.ts';
import { decodeJsonObject, splitCompact } from './compact.ts';
import { DpopProofError } from './errors.ts';
import { ProofHeaderMemo } from './header-memo.ts';
import { ProofKeyCache } from './proof-key.ts';
import { verifyProofSignature } from './proof-signature.ts';
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

function publicJwk(header: Record<string, unknown>): Record<string, unknown> {
  const jwk = header.jwk as Record<string, unknown> | null | undefined;
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

/**
 * `htu` values normalized, by their text: a client calls a handful of URLs, and parsing one costs
 * about as much as the rest of the claim checks. Short ones only, and cleared when full, so that
 * made-up URLs cost their sender a parse each and never hold more than a few hundred kilobytes.
 */
const htus = new Map<string, string | undefined>();
const MAX_MEMO_HTU_LENGTH = 256;

function normalizedHtu(htu: string): string | undefined {
  const known = htus.get(htu);
  if (known !== undefined || htus.has(htu)) return known;
  let normalized: string | undefined;
  try {
    normalized = htuOf(new URL(htu));
  } catch {
    normalized = undefined;
  }
  if (htu.length <= MAX_MEMO_HTU_LENGTH) {
    if (htus.size >= 1000) htus.clear();
    htus.set(htu, normalized);
  }
  return normalized;
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

/** The checks of RFC 9449 §4.3 (but replay and nonce): synchronous, node:crypto only. */
export function checkProof(proof: string, request: ProofRequest, policy: ProofPolicy): VerifiedProof {
  // §4.3 check 2: a well-formed JWT (compact JWS, the only serialization a header can carry).
  const parts = splitCompact(proof, MAX_PROOF_LENGTH);
  if (parts === undefined)
    fail('ERR_DPOP_PROOF_MALFORMED', 'The DPoP proof is malformed', 'proof is not a compact JWS');
  const known = proofHeaders.get(parts.header);
  const header = known?.header ?? decodeJsonObject(parts.header);
  if (header === undefined)
    fail('ERR_DPOP_PROOF_MALFORMED', 'The DPoP proof is malformed', 'proof header is not a JSON object');
  // §4.3 check 4: typ is dpop+jwt.
  if (header.typ !== 'dpop+jwt')
    fail(
      'ERR_DPOP_PROOF_TYPE',
      'The DPoP proof must have typ dpop+jwt',
      `proof typ ${JSON.stringify(header.typ)}`,
    );
  // §4.3 check 5: an asymmetric algorithm the server supports (never none, never a MAC).
  const alg = header.alg;
  if (typeof alg !== 'string' || !policy.algorithms.includes(alg))
    fail(
      'ERR_DPOP_PROOF_ALGORITHM',
      'The DPoP proof algorithm is not supported',
      `proof alg ${JSON.stringify(alg)}; accepted: ${policy.algorithms.join(', ')}`,
    );
  // §4.3 check 7: a public key, no private members, of the type, curve and size the alg needs.
  const proofKey = known?.proofKey ?? proofKeys.resolve(publicJwk(header));
  if (proofKey === undefined || !keyFits(alg, proofKey.key))
    fail('ERR_DPOP_PROOF_KEY', 'The DPoP proof key is unusable', `jwk does not import as a ${alg} key`);
  if (known === undefined) proofHeaders.remember(parts.header, header, proofKey);
  const critical = criticalProblem(header);
  if (critical !== undefined)
    fail('ERR_DPOP_PROOF_KEY', 'The DPoP proof key is unusable', `verification failed: ${critical}`);
  // §4.3 check 6: the signature verifies with the header's own key.
  if (!verifyProofSignature(alg, proofKey.key, parts.signingInput, parts.signature))
    fail(
      'ERR_DPOP_PROOF_SIGNATURE',
      'The DPoP proof signature is invalid',
      'signature does not verify with jwk',
    );
  // An unencoded payload (RFC 7797) cannot be a JSON object in a compact JWS's alphabet.
  const unencoded = Array.isArray(header.crit) && header.crit.includes('b64') && header.b64 === false;
  const claims = unencoded ? undefined : decodeJsonObject(parts.payload);
  if (claims === undefined)
    fail('ERR_DPOP_PROOF_MALFORMED', 'The DPoP proof is malformed', 'proof claims are not a JSON object');
  // §4.3 check 3 (required claims) and §4.2: jti, a unique identifier.
  const { jti, htm, htu, iat, ath } = claims;
  if (typeof jti !== 'string' || jti.length === 0 || jti.length > MAX_JTI_LENGTH)
    fail('ERR_DPOP_PROOF_JTI', 'The DPoP proof must have a jti', 'proof jti is absent, empty or too long');
  // §4.3 check 8: htm matches the request method.
  if (htm !== request.method)
    fail(
      'ERR_DPOP_PROOF_METHOD',
      'The DPoP proof htm does not match the request method',
      `proof htm ${JSON.stringify(htm)}; request method ${request.method}`,
    );
  // §4.3 check 9: htu matches the request URI, query and fragment ignored, after normalization.
  const proofHtu = typeof htu === 'string' ? normalizedHtu(htu) : undefined;
  if (proofHtu !== request.htu)
    fail(
      'ERR_DPOP_PROOF_URI',
      'The DPoP proof htu does not match the request URI',
      `proof htu ${JSON.stringify(htu)}; request URI ${request.htu}`,
    );
  // §4.3 check 11 and §11.1: iat within the window (past) and the clock tolerance (both ways).
  const now = request.now / 1000;
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
  // §4.3 check 12 (with an access token): ath is the hash of the token presented.
  if (ath !== accessTokenHash(request.accessToken))
    fail('ERR_DPOP_PROOF_ATH', 'The DPoP proof ath does not match the access token', 'proof ath mismatch');
  return { jkt: proofKey.jkt, jti, iat, nonce: claims.nonce };
}

/** `checkProof` as a promise, for callers that await it. */
export async function verifyProof(
  proof: string,
  request: ProofRequest,
  policy: ProofPolicy,
): Promise<VerifiedProof> {
  return checkProof(proof, request, policy);
}
