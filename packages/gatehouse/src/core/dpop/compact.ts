/**
 * The three parts of a compact JWS (RFC 7515 §7.1), decoded once each: the proof is parsed here,
 * not by a JOSE library, so that its signature can be checked synchronously with node:crypto.
 */
import { isAscii } from 'node:buffer';
import { isCompactJws } from '../token-shape.ts';

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const utf8 = new TextDecoder('utf-8', { fatal: true });

export interface CompactParts {
  /** The encoded header, as sent. */
  header: string;
  /** The encoded payload, as sent. */
  payload: string;
  /** The ASCII bytes the signature covers: `header.payload`. */
  signingInput: Buffer;
  signature: Buffer;
}

/**
 * base64url leaves spare bits in a final character, so several spellings decode to the same bytes;
 * only the one whose spare bits are zero is canonical. The alphabet was checked by `isCompactJws`.
 */
export function isCanonicalBase64url(segment: string): boolean {
  const remainder = segment.length % 4;
  if (remainder === 0) return true;
  if (remainder === 1) return false; // no byte count encodes to this length
  const last = BASE64URL.indexOf(segment[segment.length - 1]!);
  return (last & (remainder === 2 ? 0b1111 : 0b11)) === 0;
}

/** Splits a compact JWS into its parts; undefined unless it has exactly one spelling. */
export function splitCompact(jws: string, maxLength: number): CompactParts | undefined {
  if (jws.length > maxLength || !isCompactJws(jws)) return undefined;
  const first = jws.indexOf('.');
  const second = jws.indexOf('.', first + 1);
  const header = jws.slice(0, first);
  const payload = jws.slice(first + 1, second);
  const signature = jws.slice(second + 1);
  if (!isCanonicalBase64url(header) || !isCanonicalBase64url(payload) || !isCanonicalBase64url(signature))
    return undefined;
  return {
    header,
    payload,
    signingInput: Buffer.from(jws.slice(0, second), 'latin1'),
    signature: Buffer.from(signature, 'base64url'),
  };
}

/** A base64url segment holding a JSON object (strict UTF-8), or undefined. */
export function decodeJsonObject(segment: string): Record<string, unknown> | undefined {
  try {
    const bytes = Buffer.from(segment, 'base64url');
    // Proofs are ASCII: read as such without the strict decoder's cost; anything else strictly.
    const text = isAscii(bytes) ? bytes.toString('latin1') : utf8.decode(bytes);
    const parsed: unknown = JSON.parse(text);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined;
    return parsed as Record<string, unknown>;
  } catch {
    return undefined;
  }
}
