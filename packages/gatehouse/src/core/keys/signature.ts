import { constants, type KeyObject, verify } from 'node:crypto';

/**
 * The JWS signature check (RFC 7515 §5.2, algorithms of RFC 7518 §3 and RFC 8037), done with
 * node:crypto on a `KeyObject` imported once per key. WebCrypto through jose costs 2-3x more per
 * call; everything else (parsing, JWK import) stays with jose.
 */

type Scheme =
  | { kind: 'rsa'; hash: string; pss: boolean }
  | { kind: 'ec'; hash: string; curve: string; size: number }
  | { kind: 'ed25519' };

const SCHEMES: Record<string, Scheme> = {
  RS256: { kind: 'rsa', hash: 'sha256', pss: false },
  RS384: { kind: 'rsa', hash: 'sha384', pss: false },
  RS512: { kind: 'rsa', hash: 'sha512', pss: false },
  PS256: { kind: 'rsa', hash: 'sha256', pss: true },
  PS384: { kind: 'rsa', hash: 'sha384', pss: true },
  PS512: { kind: 'rsa', hash: 'sha512', pss: true },
  ES256: { kind: 'ec', hash: 'sha256', curve: 'prime256v1', size: 64 },
  ES384: { kind: 'ec', hash: 'sha384', curve: 'secp384r1', size: 96 },
  ES512: { kind: 'ec', hash: 'sha512', curve: 'secp521r1', size: 132 },
  EdDSA: { kind: 'ed25519' },
  Ed25519: { kind: 'ed25519' },
};

export const MIN_RSA_MODULUS = 2048;
/**
 * Public exponents must be odd and at least 3 (with e = 1 the "signature" is the padded digest
 * itself, which anyone can write) and under 2^256, the FIPS 186-5 bound: real keys use 65537 or 3,
 * and a huge exponent only makes every check as slow as a private-key operation.
 */
const MIN_RSA_EXPONENT = 3n;
export const MAX_RSA_EXPONENT_BITS = 256;

/** Why an RSA public exponent is unacceptable, or undefined if it is fine. */
export function rsaExponentProblem(e: bigint): string | undefined {
  const bits = e.toString(2).length;
  if (bits > MAX_RSA_EXPONENT_BITS) {
    return `RSA public exponent of ${bits} bits is over the ${MAX_RSA_EXPONENT_BITS}-bit maximum`;
  }
  if (e < MIN_RSA_EXPONENT) return `RSA public exponent ${e} is under ${MIN_RSA_EXPONENT}`;
  if (e % 2n === 0n) return `RSA public exponent ${e} is even`;
  return undefined;
}

/**
 * A public key with the facts the checks need, read once: each `KeyObject` property read is a
 * native call, which profiling showed costing more than half as much as the RSA check itself.
 */
export interface VerificationKey {
  readonly keyObject: KeyObject;
  readonly type: string;
  readonly keyType: string | undefined;
  readonly modulusLength: number | undefined;
  /** An RSA key's public exponent passes `rsaExponentProblem` (false for other key types). */
  readonly exponentOk: boolean;
  readonly namedCurve: string | undefined;
}

export function verificationKey(keyObject: KeyObject): VerificationKey {
  const details = keyObject.asymmetricKeyDetails;
  return {
    keyObject,
    type: keyObject.type,
    keyType: keyObject.asymmetricKeyType,
    modulusLength: details?.modulusLength,
    exponentOk:
      details?.publicExponent !== undefined && rsaExponentProblem(details.publicExponent) === undefined,
    namedCurve: details?.namedCurve,
  };
}

/** Whether `key` may verify `alg` at all: type, curve and size must fit, whatever the token says. */
export function keyFits(alg: string, key: VerificationKey | KeyObject): boolean {
  const facts = 'keyObject' in key ? key : verificationKey(key);
  const scheme = SCHEMES[alg];
  if (!scheme || facts.type !== 'public') return false;
  switch (scheme.kind) {
    case 'rsa':
      return facts.keyType === 'rsa' && (facts.modulusLength ?? 0) >= MIN_RSA_MODULUS && facts.exponentOk;
    case 'ec':
      return facts.keyType === 'ec' && facts.namedCurve === scheme.curve;
    case 'ed25519':
      return facts.keyType === 'ed25519';
  }
}

/**
 * Verifies `signature` over `signingInput` (the ASCII of `header.payload`). Never throws for a bad
 * signature: returns false, so every failure takes the same path.
 */
export function verifySignature(
  alg: string,
  verification: VerificationKey | KeyObject,
  signingInput: Buffer,
  signature: Buffer,
): boolean {
  const facts = 'keyObject' in verification ? verification : verificationKey(verification);
  const scheme = SCHEMES[alg];
  if (!scheme || !keyFits(alg, facts)) return false;
  const key = facts.keyObject;
  try {
    switch (scheme.kind) {
      case 'rsa':
        return verify(
          scheme.hash,
          signingInput,
          // PKCS#1 v1.5 is node's default for an RSA key; passing the bare KeyObject skips an
          // options object node would otherwise parse on every call.
          scheme.pss
            ? { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST }
            : key,
          signature,
        );
      case 'ec':
        // JWS carries R || S of fixed width (RFC 7518 §3.4), not DER.
        if (signature.length !== scheme.size) return false;
        return verify(scheme.hash, signingInput, { key, dsaEncoding: 'ieee-p1363' }, signature);
      case 'ed25519':
        return verify(null, signingInput, key, signature);
    }
  } catch {
    return false;
  }
}
