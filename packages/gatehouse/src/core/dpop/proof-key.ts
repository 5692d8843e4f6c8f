/**
 * Proof keys (RFC 9449 §4.2 `jwk`) imported into node:crypto once per distinct key. A client signs
 * thousands of proofs with one key, so importing it and hashing its thumbprint on every request
 * was most of what a proof cost; the cache is bounded so that a stream of made-up keys costs its
 * sender an import each, as without the cache, and never grows memory.
 */
import { createHash, createPublicKey, type JsonWebKey } from 'node:crypto';
import { BoundedMap } from '../bounded-map.ts';
import { type VerificationKey, verificationKey } from '../keys/signature.ts';
import { DpopProofError } from './errors.ts';

export interface ProofKey {
  readonly key: VerificationKey;
  /** RFC 7638 SHA-256 thumbprint, base64url: what `cnf.jkt` must equal (RFC 9449 §6.1). */
  readonly jkt: string;
}

/** RFC 7638 §3.2: the required members of each key type, in lexicographic order. */
const THUMBPRINT_MEMBERS: Readonly<Record<string, readonly string[]>> = {
  EC: ['crv', 'kty', 'x', 'y'],
  OKP: ['crv', 'kty', 'x'],
  RSA: ['e', 'kty', 'n'],
};

/**
 * The required members only, in thumbprint order, or undefined when one is missing or not a
 * string. Its JSON is both the RFC 7638 hash input and the cache key: two JWKs with the same
 * required members are the same key, whatever else they carry.
 */
function requiredMembers(jwk: Readonly<Record<string, unknown>>): JsonWebKey | undefined {
  const names = typeof jwk.kty === 'string' ? THUMBPRINT_MEMBERS[jwk.kty] : undefined;
  if (names === undefined) return undefined;
  const members: Record<string, string> = {};
  for (const name of names) {
    const value = jwk[name];
    if (typeof value !== 'string') return undefined;
    members[name] = value;
  }
  return members;
}

/**
 * Members a WebCrypto import would refuse for a verification key: `ext` that is not a boolean,
 * `key_ops` that does not allow exactly `verify`. Refused here too, so a proof key is accepted or
 * refused as it was when jose imported it.
 */
function unusableMember(jwk: Readonly<Record<string, unknown>>): string | undefined {
  if (jwk.ext !== undefined && typeof jwk.ext !== 'boolean') return 'ext';
  const ops = jwk.key_ops;
  if (ops !== undefined && !(Array.isArray(ops) && ops.length === 1 && ops[0] === 'verify')) return 'key_ops';
  return undefined;
}

export class ProofKeyCache {
  static readonly DEFAULT_MAX_ENTRIES = 1000;
  readonly #keys: BoundedMap<string, ProofKey>;

  constructor(maxEntries = ProofKeyCache.DEFAULT_MAX_ENTRIES) {
    this.#keys = new BoundedMap(maxEntries);
  }

  get size(): number {
    return this.#keys.size;
  }

  /** The key of a public JWK, or undefined when node:crypto cannot import it. */
  resolve(jwk: Readonly<Record<string, unknown>>): ProofKey | undefined {
    if (unusableMember(jwk) !== undefined) return undefined;
    const members = requiredMembers(jwk);
    if (members === undefined) return undefined;
    const input = JSON.stringify(members);
    const known = this.#keys.get(input);
    if (known !== undefined) return known;
    let key: VerificationKey;
    try {
      key = verificationKey(createPublicKey({ key: members, format: 'jwk' }));
    } catch {
      return undefined;
    }
    const entry: ProofKey = { key, jkt: createHash('sha256').update(input).digest('base64url') };
    // Oldest first: a client's key, pushed out by a flood of others, is imported again once.
    this.#keys.set(input, entry);
    return entry;
  }
}

/** JWK members that only private (or symmetric) keys have (RFC 7518 §6.2.2, §6.3.2, §6.4; RFC 8037 §2). */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

function refuseKey(description: string, detail: string): never {
  throw new DpopProofError('ERR_DPOP_PROOF_KEY', { description, detail });
}

/** RFC 9449 §4.3 check 7, first half: a public key of an asymmetric type, no private members. */
export function proofPublicJwk(header: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const jwk = header.jwk as Record<string, unknown> | null | undefined;
  if (jwk === null || typeof jwk !== 'object' || Array.isArray(jwk))
    refuseKey('The DPoP proof must carry its public key', 'proof header has no jwk object');
  if (jwk.kty !== 'EC' && jwk.kty !== 'RSA' && jwk.kty !== 'OKP')
    refuseKey('The DPoP proof key is not an asymmetric key', `jwk kty ${JSON.stringify(jwk.kty)}`);
  const secret = PRIVATE_MEMBERS.find((member) => member in jwk);
  if (secret !== undefined)
    refuseKey(
      'The DPoP proof key must not contain private key material',
      `jwk has the private member ${secret}`,
    );
  return jwk;
}
