/** Larger than any real access token (Entra tokens with many groups stay under 8 KiB). */
export const MAX_TOKEN_LENGTH = 16 * 1024;

// Three unpadded base64url segments, nothing else: no whitespace, no `=`, so each token has
// exactly one spelling (base64 decoders would otherwise accept several for the same bytes).
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

export function isCompactJws(token: string): boolean {
  return token.length <= MAX_TOKEN_LENGTH && COMPACT_JWS.test(token);
}
