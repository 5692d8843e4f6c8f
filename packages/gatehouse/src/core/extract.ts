import { InvalidRequestError, InvalidTokenError } from './errors.ts';

/** Node's `IncomingHttpHeaders`, a plain object, or a Web `Headers`. */
export type HeadersLike =
  | { get(name: string): string | null }
  | Readonly<Record<string, string | readonly string[] | undefined>>;

/** What the core needs from a request; every framework's request can supply it. */
export interface RequestLike {
  headers: HeadersLike;
  /** Node's `rawHeaders`: the only place a duplicated Authorization header is still visible. */
  rawHeaders?: readonly string[];
}

import { isCompactJws, MAX_TOKEN_LENGTH } from './token-shape.ts';

function isWebHeaders(headers: HeadersLike): headers is { get(name: string): string | null } {
  return typeof (headers as { get?: unknown }).get === 'function';
}

function authorizationValues(request: RequestLike): string[] {
  if (request.rawHeaders) {
    const values: string[] = [];
    for (let i = 0; i + 1 < request.rawHeaders.length; i += 2) {
      if (request.rawHeaders[i]!.toLowerCase() === 'authorization') values.push(request.rawHeaders[i + 1]!);
    }
    return values;
  }
  const { headers } = request;
  if (isWebHeaders(headers)) {
    const value = headers.get('authorization');
    return value === null ? [] : [value];
  }
  const value = headers.authorization ?? headers.Authorization;
  if (value === undefined) return [];
  return typeof value === 'string' ? [value] : [...value];
}

/**
 * Reads the bearer token from the Authorization header, and nowhere else (RFC 6750 §2.1; the
 * query-string and body forms are deliberately unsupported).
 *
 * Returns `undefined` when there is no bearer credential (no header, or another scheme such as
 * `Basic`). Throws `InvalidRequestError` for a malformed request and `InvalidTokenError` when the
 * Bearer slot holds something that cannot be a token.
 */
export function extractBearerToken(request: RequestLike): string | undefined {
  const values = authorizationValues(request);
  if (values.length === 0) return undefined;
  // Web Headers joins repeated headers with ", "; no credential we accept contains a comma.
  if (values.length > 1 || values[0]!.includes(',')) {
    throw new InvalidRequestError({
      description: 'Send exactly one Authorization header',
      detail: `request carried ${values.length > 1 ? values.length : 'several comma-joined'} Authorization values`,
    });
  }
  // Only SP and HTAB are header whitespace (RFC 9110 §5.6.3); trim() would also eat U+00A0 and friends.
  const value = values[0]!.replace(/^[ \t]+|[ \t]+$/g, '');
  const space = value.indexOf(' ');
  const scheme = space === -1 ? value : value.slice(0, space);
  if (scheme.toLowerCase() !== 'bearer') return undefined;
  const token = space === -1 ? '' : value.slice(space + 1).replace(/^[ \t]+/, '');
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
  if (!isCompactJws(token)) {
    throw new InvalidTokenError('ERR_TOKEN_MALFORMED', {
      description: 'The bearer token is not a JWT',
      detail: 'token is not three base64url segments separated by dots',
    });
  }
  return token;
}
