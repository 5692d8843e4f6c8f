/**
 * Cross-site request forgery defences for every state-changing form: a synchronizer token kept in
 * the encrypted session and echoed in a hidden field (compared in constant time), plus the
 * browser's own word on where the request comes from (`Origin`, `Sec-Fetch-Site`) when it gives it.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';

/** Name of the hidden form field carrying the token. */
export const CSRF_FIELD = '_csrf';

/** 256 random bits, base64url. */
export function newCsrfToken(): string {
  return randomBytes(32).toString('base64url');
}

/** True only when `given` is exactly the session's token; the comparison takes constant time. */
export function csrfTokenMatches(expected: string, given: unknown): boolean {
  if (typeof given !== 'string' || expected === '') return false;
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(given, 'utf8');
  // timingSafeEqual needs equal lengths; comparing a with itself keeps the time independent of b.
  if (a.length !== b.length) {
    timingSafeEqual(a, a);
    return false;
  }
  return timingSafeEqual(a, b);
}

type HeaderValue = string | string[] | undefined;

function single(value: HeaderValue): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/**
 * False when the browser says the request comes from elsewhere: an `Origin` other than ours
 * (including `null`, sent from sandboxed frames and opaque origins), or `Sec-Fetch-Site:
 * cross-site`. Absent headers (old browsers, curl) leave the decision to the token.
 */
export function fromOwnOrigin(headers: Record<string, HeaderValue>, ownOrigin: string): boolean {
  const origin = single(headers.origin);
  if (origin !== undefined && origin !== ownOrigin) return false;
  const site = single(headers['sec-fetch-site']);
  return site === undefined || site === 'same-origin' || site === 'none';
}
