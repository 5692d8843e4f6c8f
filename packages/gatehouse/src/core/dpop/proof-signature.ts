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

/** Where the minimal DER INTEGER of the unsigned big-endian `bytes[from, to)` starts (leading zeros dropped). */
function integerStart(bytes: Buffer, from: number, to: number): number {
  let start = from;
  while (start < to - 1 && bytes[start] === 0) start++;
  return start;
}

/** Writes `bytes[start, end)` as a DER INTEGER at `at` (a 0 first when the top bit is set); the next offset. */
function writeInteger(out: Buffer, at: number, bytes: Buffer, start: number, end: number): number {
  const pad = bytes[start]! & 0x80 ? 1 : 0;
  out[at] = 0x02;
  out[at + 1] = end - start + pad;
  if (pad) out[at + 2] = 0;
  return at + 2 + pad + bytes.copy(out, at + 2 + pad, start, end);
}

/**
 * A JWS ECDSA signature (R || S, fixed width) as the DER `ECDSA-Sig-Value` OpenSSL reads, written
 * into one buffer: this runs on every DPoP request.
 */
export function p1363ToDer(signature: Buffer): Buffer {
  const half = signature.length / 2;
  const r = integerStart(signature, 0, half);
  const s = integerStart(signature, half, signature.length);
  const padded = (start: number) => (signature[start]! & 0x80 ? 1 : 0);
  const length = 4 + (half - r + padded(r)) + (signature.length - s + padded(s));
  // P-521 signatures can pass 127 bytes of content: the long form of the length then.
  const header = length < 0x80 ? 2 : 3;
  const out = Buffer.allocUnsafe(header + length);
  out[0] = 0x30;
  if (header === 3) out[1] = 0x81;
  out[header - 1] = length;
  writeInteger(out, writeInteger(out, header, signature, r, half), signature, s, signature.length);
  return out;
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
