import { InvalidRequestError, InvalidTokenError } from './errors.ts';
import { MAX_TOKEN_LENGTH } from './token-shape.ts';

/** Node's `IncomingHttpHeaders`, a plain object, or a Web `Headers`. */
export type HeadersLike =
  | { get(name: string): string | null }
  | Readonly<Record<string, string | readonly string[] | undefined>>;

/** What the core needs from a request; every framework's request can supply it. */
export interface RequestLike {
  headers: HeadersLike;
  /** Node's `rawHeaders`: the only place a duplicated Authorization header is still visible. */
  rawHeaders?: readonly string[];
  // --- DPoP (RFC 9449 §4.3: `htm` and `htu` are checked against the request) ---
  /** The request method: Node's `IncomingMessage.method`, a Web `Request`'s `method`. */
  method?: string | undefined;
  /** Node's request target (path and query), or a Web `Request`'s absolute URL. */
  url?: string | undefined;
  /** Express keeps the target here when a router rewrote `url`. */
  originalUrl?: string | undefined;
  /** Node's socket: a `TLSSocket` (`encrypted: true`) when Node terminated TLS itself. */
  socket?: object | undefined;
}

function isWebHeaders(headers: HeadersLike): headers is { get(name: string): string | null } {
  return typeof (headers as { get?: unknown }).get === 'function';
}

function twoHeaders(): InvalidRequestError {
  return new InvalidRequestError({
    description: 'Send exactly one Authorization header',
    detail: 'request carried more than one Authorization value',
  });
}

/** The one Authorization value, or undefined; runs on every request, so it allocates nothing. */
export function authorizationValue(request: RequestLike): string | undefined {
  const raw = request.rawHeaders;
  if (raw) {
    let found: string | undefined;
    for (let i = 0; i + 1 < raw.length; i += 2) {
      const name = raw[i]!;
      if (
        name.length === 13 &&
        (name === 'authorization' || name === 'Authorization' || name.toLowerCase() === 'authorization')
      ) {
        if (found !== undefined) throw twoHeaders();
        found = raw[i + 1]!;
      }
    }
    return found;
  }
  const { headers } = request;
  if (isWebHeaders(headers)) return headers.get('authorization') ?? undefined;
  const value = headers.authorization ?? headers.Authorization;
  if (value === undefined || typeof value === 'string') return value;
  if (value.length > 1) throw twoHeaders();
  return value[0];
}

const SP = 32;
const HTAB = 9;
const isSpace = (c: number) => c === SP || c === HTAB;

/** `bearer` in any case, compared by character codes to avoid a lowercased copy. */
function startsWithBearer(value: string, at: number): boolean {
  if (value.length < at + 6) return false;
  for (let i = 0; i < 6; i++) {
    if ((value.charCodeAt(at + i) | 0x20) !== 'bearer'.charCodeAt(i)) return false;
  }
  return true;
}

/**
 * Reads the bearer token from the Authorization header, and nowhere else (RFC 6750 §2.1; the
 * query-string and body forms are deliberately unsupported).
 *
 * Returns `undefined` when there is no bearer credential (no header, or another scheme such as
 * `Basic`). Throws `InvalidRequestError` for a malformed request and `InvalidTokenError` when the
 * Bearer slot is empty or oversized. Whether the rest is a well-formed JWT is `verify`'s to judge,
 * after the verified-token cache had its chance.
 */
export function extractBearerToken(request: RequestLike): string | undefined {
  const value = authorizationValue(request);
  if (value === undefined) return undefined;
  // Web Headers joins repeated headers with ", "; no credential we accept contains a comma.
  if (value.indexOf(',') !== -1) throw twoHeaders();
  // Only SP and HTAB are header whitespace (RFC 9110 §5.6.3), not U+00A0 and friends.
  let start = 0;
  let end = value.length;
  while (start < end && isSpace(value.charCodeAt(start))) start++;
  while (end > start && isSpace(value.charCodeAt(end - 1))) end--;
  if (!startsWithBearer(value, start)) return undefined;
  let at = start + 6;
  if (at < end && !isSpace(value.charCodeAt(at))) return undefined; // `Bearerx ...` is another scheme
  while (at < end && isSpace(value.charCodeAt(at))) at++;
  if (at === end) {
    throw new InvalidTokenError('ERR_TOKEN_MALFORMED', {
      description: 'The bearer token is empty',
      detail: 'Authorization header has the Bearer scheme but no token',
    });
  }
  if (end - at > MAX_TOKEN_LENGTH) {
    throw new InvalidTokenError('ERR_TOKEN_MALFORMED', {
      description: 'The bearer token is too large',
      detail: `token is ${end - at} characters; the limit is ${MAX_TOKEN_LENGTH}`,
    });
  }
  return at === 0 && end === value.length ? value : value.slice(at, end);
}
