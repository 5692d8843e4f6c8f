import { decodeProtectedHeader, type JWTHeaderParameters } from 'jose';
import { BoundedMap } from './bounded-map.ts';
import { InvalidTokenError } from './errors.ts';
import { isCompactJws, MAX_TOKEN_LENGTH } from './token-shape.ts';

/** What a token header must meet before any key is looked at. */
export interface HeaderRules {
  algorithms: readonly string[];
  /** Require `typ: at+jwt` (RFC 9068) instead of accepting `JWT`, `at+jwt` or none. */
  strictType: boolean;
}

export function malformed(detail: string, cause?: unknown): InvalidTokenError {
  return new InvalidTokenError('ERR_TOKEN_MALFORMED', {
    description: 'The token is malformed',
    detail,
    cause,
  });
}

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/**
 * base64url leaves spare bits in a final character, so several spellings decode to the same bytes;
 * only the one whose spare bits are zero is accepted. The alphabet was checked by `isCompactJws`.
 */
function canonicalBase64url(text: string, start: number): boolean {
  const remainder = (text.length - start) % 4;
  if (remainder === 0) return true;
  if (remainder === 1) return false; // no byte count encodes to this length
  const last = BASE64URL.indexOf(text[text.length - 1]!);
  return (last & (remainder === 2 ? 0b1111 : 0b11)) === 0;
}

/** Whether `alg` is one this API accepts. */
export function algorithmAccepted(alg: unknown, rules: HeaderRules): alg is string {
  return typeof alg === 'string' && rules.algorithms.includes(alg);
}

/**
 * Whether `typ` says access token: `at+jwt` (with or without `application/`), and in lenient mode
 * also `JWT` or no `typ`. RFC 7515 §4.1.9 makes it a string; `String(["JWT"])` would read an array as "JWT".
 */
export function typeAccepted(typ: unknown, strictType: boolean): boolean {
  if (typ === undefined) return !strictType;
  if (typeof typ !== 'string') return false;
  const type = typ.toLowerCase().replace(/^application\//, '');
  return type === 'at+jwt' || (!strictType && type === 'jwt');
}

/**
 * Headers that passed `checkHeader`, by their encoded text: an issuer signs every token with one
 * of a handful of headers, so parsing and checking each one once saves that work on every token.
 * Only flat headers (no nested objects) are kept, frozen; the text is compared whole, so only the
 * identical header is ever served. Bounded (oldest dropped first), so a stream of made-up
 * headers costs its sender a parse each, as without the memo, and never grows it.
 */
export class HeaderMemo {
  static readonly MAX_ENTRIES = 32;
  readonly #headers = new BoundedMap<string, JWTHeaderParameters>(HeaderMemo.MAX_ENTRIES);

  get(encoded: string): JWTHeaderParameters | undefined {
    return this.#headers.get(encoded);
  }

  remember(encoded: string, header: JWTHeaderParameters): JWTHeaderParameters {
    for (const value of Object.values(header)) if (value !== null && typeof value === 'object') return header;
    const frozen = Object.freeze(header);
    this.#headers.set(encoded, frozen);
    return frozen;
  }

  get size(): number {
    return this.#headers.size;
  }
}

/**
 * Header checks that need no key: shape, one spelling, algorithm allow-list, no extensions, `typ`.
 * With a memo, a header seen before is not parsed again (the shape checks still run per token).
 */
export function checkHeader(token: string, rules: HeaderRules, memo?: HeaderMemo): JWTHeaderParameters {
  if (!isCompactJws(token)) {
    throw malformed(
      `token is not three unpadded base64url segments of at most ${MAX_TOKEN_LENGTH} characters`,
    );
  }
  if (!canonicalBase64url(token, token.lastIndexOf('.') + 1)) {
    throw malformed('signature segment is not canonical base64url');
  }
  if (memo === undefined) return parseHeader(token, rules);
  const encoded = token.slice(0, token.indexOf('.'));
  return memo.get(encoded) ?? memo.remember(encoded, parseHeader(token, rules));
}

function parseHeader(token: string, rules: HeaderRules): JWTHeaderParameters {
  let header: JWTHeaderParameters;
  try {
    header = decodeProtectedHeader(token) as JWTHeaderParameters;
  } catch (cause) {
    throw malformed(`header: ${cause instanceof Error ? cause.message : 'undecodable'}`, cause);
  }
  const { alg } = header;
  if (!algorithmAccepted(alg, rules)) {
    throw new InvalidTokenError('ERR_TOKEN_ALGORITHM', {
      description: 'The token is signed with an algorithm this API does not accept',
      detail: `alg ${JSON.stringify(alg)} is not one of ${rules.algorithms.join(', ')}`,
      claim: 'alg',
      actual: alg,
      expected: rules.algorithms,
    });
  }
  // No JWS extension is understood here (RFC 7515 §4.1.11), and unencoded payloads (RFC 7797) never.
  if (header.crit !== undefined)
    throw malformed(`header crit ${JSON.stringify(header.crit)} names extensions this API does not support`);
  if (header.b64 !== undefined) throw malformed('header b64 (unencoded payload) is not supported');
  if (header.kid !== undefined && typeof header.kid !== 'string')
    throw malformed('header kid is not a string');
  if (header.x5t !== undefined && typeof header.x5t !== 'string')
    throw malformed('header x5t is not a string');
  if (header.typ !== undefined && typeof header.typ !== 'string') {
    throw new InvalidTokenError('ERR_TOKEN_TYPE', {
      description: 'The token is not an access token',
      detail: `header typ ${JSON.stringify(header.typ)} is not a string`,
      claim: 'typ',
      actual: header.typ,
    });
  }
  if (!typeAccepted(header.typ, rules.strictType)) {
    throw new InvalidTokenError('ERR_TOKEN_TYPE', {
      description: 'The token is not an access token',
      detail: `header typ ${JSON.stringify(header.typ)} is not ${rules.strictType ? 'at+jwt' : 'JWT, at+jwt or absent'}`,
      claim: 'typ',
      actual: header.typ,
    });
  }
  return header;
}
