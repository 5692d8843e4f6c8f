import { createHash } from 'node:crypto';
import type { JWK } from 'jose';
import { MAX_RSA_EXPONENT_BITS, MIN_RSA_MODULUS, rsaExponentProblem } from './signature.ts';

/*
 * One published JWK as this library holds it: only signature keys, only their public members,
 * and RSA keys too weak to trust marked refused (their tokens get 401, never 503).
 */

/** One public key from a key set, imported lazily once per algorithm. */
export interface StoredKey {
  /** SHA-256 over the key's public material: the same key has the same id across refetches. */
  readonly id: string;
  readonly kid: string | undefined;
  readonly x5t: string | undefined;
  /** Entra's non-standard `issuer` member: the issuer (or `{tenantid}` template) this key signs for. */
  readonly issuer: string | undefined;
  readonly jwk: Readonly<JWK>;
  /** Why this key may not be used, if it may not (e.g. RSA under 2048 bits, or with e = 1). */
  readonly refused: string | undefined;
}

const PUBLIC_MEMBERS = [
  'kty',
  'kid',
  'use',
  'alg',
  'key_ops',
  'n',
  'e',
  'crv',
  'x',
  'y',
  'x5t',
  'x5c',
] as const;

function curveFor(alg: string): string | undefined {
  switch (alg) {
    case 'ES256':
      return 'P-256';
    case 'ES384':
      return 'P-384';
    case 'ES512':
      return 'P-521';
    case 'Ed25519':
      return 'Ed25519';
    default:
      return undefined;
  }
}

export function fitsAlgorithm(jwk: JWK, alg: string): boolean {
  if (jwk.alg !== undefined && jwk.alg !== alg) return false;
  if (alg.startsWith('RS') || alg.startsWith('PS')) return jwk.kty === 'RSA';
  if (alg.startsWith('ES')) return jwk.kty === 'EC' && jwk.crv === curveFor(alg);
  if (alg === 'EdDSA' || alg === 'Ed25519') return jwk.kty === 'OKP' && jwk.crv === 'Ed25519';
  return false;
}

/** A Base64urlUInt's bytes without leading zeros. */
function unsignedBytes(value: string): Buffer {
  const bytes = Buffer.from(value, 'base64url');
  let first = 0;
  while (first < bytes.length && bytes[first] === 0) first++;
  return bytes.subarray(first);
}

function rsaBits(n: string): number {
  const bytes = unsignedBytes(n);
  if (bytes.length === 0) return 0;
  return (bytes.length - 1) * 8 + (32 - Math.clz32(bytes[0]!));
}

function rsaRefusal(n: string, e: string): string | undefined {
  const bits = rsaBits(n);
  if (bits < MIN_RSA_MODULUS) return `RSA key of ${bits} bits is under the ${MIN_RSA_MODULUS}-bit minimum`;
  // The size first, so a megabyte of exponent is never made into a BigInt.
  const exponentBits = rsaBits(e);
  if (exponentBits > MAX_RSA_EXPONENT_BITS) {
    return `RSA public exponent of ${exponentBits} bits is over the ${MAX_RSA_EXPONENT_BITS}-bit maximum`;
  }
  const exponent = unsignedBytes(e);
  return rsaExponentProblem(exponent.length === 0 ? 0n : BigInt(`0x${exponent.toString('hex')}`));
}

export function toStoredKey(raw: Record<string, unknown>): StoredKey | undefined {
  const kty = raw.kty;
  if (kty !== 'RSA' && kty !== 'EC' && kty !== 'OKP') return undefined; // `oct` (HMAC) never
  if (raw.use !== undefined && raw.use !== 'sig') return undefined;
  if (Array.isArray(raw.key_ops) && !raw.key_ops.includes('verify')) return undefined;
  // Copy public members only: a private `d` published by mistake must never be imported.
  const jwk: Record<string, unknown> = {};
  for (const name of PUBLIC_MEMBERS) if (raw[name] !== undefined) jwk[name] = raw[name];
  let refused: string | undefined;
  if (kty === 'RSA') {
    if (typeof jwk.n !== 'string' || typeof jwk.e !== 'string') return undefined;
    refused = rsaRefusal(jwk.n, jwk.e);
  } else if (typeof jwk.crv !== 'string' || typeof jwk.x !== 'string') {
    return undefined;
  }
  const material = [kty, jwk.kid, jwk.crv, jwk.n, jwk.e, jwk.x, jwk.y]
    .map((v) => (typeof v === 'string' ? v : ''))
    .join('|');
  return {
    id: createHash('sha256').update(material).digest('base64url'),
    kid: typeof jwk.kid === 'string' ? jwk.kid : undefined,
    x5t: typeof jwk.x5t === 'string' ? jwk.x5t : undefined,
    issuer: typeof raw.issuer === 'string' ? raw.issuer : undefined,
    jwk: jwk as JWK,
    refused,
  };
}
