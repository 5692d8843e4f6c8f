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

export function isWebHeaders(headers: HeadersLike): headers is { get(name: string): string | null } {
  return typeof (headers as { get?: unknown }).get === 'function';
}

function twoHeaders(): InvalidRequestError {
  return new InvalidRequestError({
    description: 'Send exactly one Authorization header',
    detail: 'request carried more than one Authorization value',
  });
}

/**
 * Whether the raw header name `raw` is `name` (lower case letters), in any case, compared by
 * character codes: lower-casing every raw name made a string per header per request.
 */
export function isHeader(raw: string, name: string): boolean {
  if (raw.length !== name.length) return false;
  for (let i = 0; i < name.length; i++) if ((raw.charCodeAt(i) | 0x20) !== name.charCodeAt(i)) return false;
  return true;
}

/** The one Authorization value, or undefined; runs on every request, so it allocates nothing. */
export function authorizationValue(request: RequestLike): string | undefined {
  const raw = request.rawHeaders;
  if (raw) {
    let found: string | undefined;
    for (let i = 0; i + 1 < raw.length; i += 2) {
      if (isHeader(raw[i]!, 'authorization')) {
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
/** Only SP and HTAB are header whitespace (RFC 9110 §5.6.3), not U+00A0 and friends. */
export const isSpace = (c: number) => c === SP || c === HTAB;

/**
 * The credentials after `scheme` (lower case letters, matched in any case) in an Authorization
 * value: `''` when the scheme has none, `undefined` when the value has another scheme (`Bearerx`
 * included). Trimmed by index: a `[ \t]+$` regex retries at every space of a run, quadratic in
 * the header.
 */
export function schemeCredentials(value: string, scheme: string): string | undefined {
  let start = 0;
  let end = value.length;
  while (start < end && isSpace(value.charCodeAt(start))) start++;
  while (end > start && isSpace(value.charCodeAt(end - 1))) end--;
  if (end - start < scheme.length) return undefined;
  for (let i = 0; i < scheme.length; i++)
    if ((value.charCodeAt(start + i) | 0x20) !== scheme.charCodeAt(i)) return undefined;
  let at = start + scheme.length;
  if (at < end && !isSpace(value.charCodeAt(at))) return undefined;
  while (at < end && isSpace(value.charCodeAt(at))) at++;
  return value.slice(at, end);
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
  const token = schemeCredentials(value, 'bearer');
  if (token === undefined) return undefined;
  if (token.length === 0) {
    throw new InvalidTokenError('ERR_TOKEN_MALFORMED', {
      description: 'The bearer token is empty',
      detail: 'Authorization header has the Bearer scheme but no token',
    });
  }
  if (token.length > MAX_TOKEN_LENGTH) {
    throw new InvalidTokenError('ERR_TOKEN_MALFORMED', {
      description: 'The bearer token is too large',
      detail: `token is ${token.length} characters; the limit is ${MAX_TOKEN_LENGTH}`,
    });
  }
  return token;
}
