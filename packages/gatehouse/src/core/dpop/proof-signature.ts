/**
 * The proof signature check (RFC 9449 §4.3 check 6). ECDSA proofs, nearly all of them, are checked
 * as DER with the bare KeyObject: node's `dsaEncoding: 'ieee-p1363'` option costs about a third of
 * the whole check on every call (measured with bench/dpop-proof-cost.ts), while re-encoding R || S
 * as DER costs a few hundred nanoseconds. Other algorithms go through the shared signature check.
 */
import { verify } from 'node:crypto';
import { keyFits, type VerificationKey, verifySignature } from '../keys/signature.ts';

/** RFC 7518 §3.4: the hash of each ECDSA algorithm and the width of its R || S signature. */
const ECDSA: Readonly<Record<string, { hash: string; size: number }>> = {
  ES256: { hash: 'sha256', size: 64 },
  ES384: { hash: 'sha384', size: 96 },
  ES512: { hash: 'sha512', size: 132 },
};

/** Writes the unsigned big-endian integer `bytes` as a DER INTEGER (minimal, non-negative). */
function derInteger(bytes: Buffer): Buffer {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  const value = bytes.subarray(start);
  const pad = value[0]! & 0x80 ? 1 : 0;
  const out = Buffer.allocUnsafe(2 + pad + value.length);
  out[0] = 0x02;
  out[1] = pad + value.length;
  if (pad) out[2] = 0;
  value.copy(out, 2 + pad);
  return out;
}

/** A JWS ECDSA signature (R || S, fixed width) as the DER `ECDSA-Sig-Value` OpenSSL reads. */
export function p1363ToDer(signature: Buffer): Buffer {
  const half = signature.length / 2;
  const r = derInteger(signature.subarray(0, half));
  const s = derInteger(signature.subarray(half));
  const length = r.length + s.length;
  // P-521 signatures can pass 127 bytes of content: the long form of the length then.
  const header = length < 0x80 ? Buffer.from([0x30, length]) : Buffer.from([0x30, 0x81, length]);
  return Buffer.concat([header, r, s], header.length + length);
}

/** Whether `signature` over `signingInput` verifies with `key` for `alg`; never throws. */
export function verifyProofSignature(
  alg: string,
  key: VerificationKey,
  signingInput: Buffer,
  signature: Buffer,
): boolean {
  const ecdsa = ECDSA[alg];
  if (ecdsa === undefined) return verifySignature(alg, key, signingInput, signature);
  if (!keyFits(alg, key) || signature.length !== ecdsa.size) return false;
  try {
    return verify(ecdsa.hash, signingInput, key.keyObject, p1363ToDer(signature));
  } catch {
    return false;
  }
}
