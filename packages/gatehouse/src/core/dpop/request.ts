/** What DPoP reads from a request: the DPoP scheme's token, the one `DPoP` header, method and URL. */

import { BoundedMap } from '../bounded-map.ts';
import { InvalidTokenError } from '../errors.ts';
import {
  authorizationValue,
  isHeader,
  isWebHeaders,
  type RequestLike,
  schemeCredentials,
} from '../extract.ts';
import { MAX_TOKEN_LENGTH } from '../token-shape.ts';
import { DpopProofError } from './errors.ts';

/**
 * The access token of `Authorization: DPoP <token>` (RFC 9449 §7.1, scheme case-insensitive), or
 * `undefined` for any other scheme or no header. Throws `invalid_token` for an empty or oversized
 * token, as the Bearer slot does.
 */
export function extractDpopToken(request: RequestLike): string | undefined {
  const value = authorizationValue(request);
  if (value === undefined) return undefined;
  const token = schemeCredentials(value, 'dpop');
  if (token === undefined) return undefined;
  if (token.length === 0) {
    throw new InvalidTokenError('ERR_TOKEN_MALFORMED', {
      description: 'The DPoP access token is empty',
      detail: 'Authorization header has the DPoP scheme but no token',
    });
  }
  if (token.length > MAX_TOKEN_LENGTH) {
    throw new InvalidTokenError('ERR_TOKEN_MALFORMED', {
      description: 'The access token is too large',
      detail: `token is ${token.length} characters; the limit is ${MAX_TOKEN_LENGTH}`,
    });
  }
  return token;
}

function headerValues(request: RequestLike, name: string): string[] {
  const raw = request.rawHeaders;
  if (raw) {
    const found: string[] = [];
    for (let i = 0; i + 1 < raw.length; i += 2) if (isHeader(raw[i]!, name)) found.push(raw[i + 1]!);
    return found;
  }
  const { headers } = request;
  if (isWebHeaders(headers)) {
    const value = headers.get(name);
    return value === null ? [] : [value];
  }
  const value = headers[name];
  if (value === undefined) return [];
  return typeof value === 'string' ? [value] : [...value];
}

/** The first value of header `name` (lower case): for Host, which a client sends once and first. */
function firstHeader(request: RequestLike, name: string): string | undefined {
  const raw = request.rawHeaders;
  if (!raw) return headerValues(request, name)[0];
  for (let i = 0; i + 1 < raw.length; i += 2) if (isHeader(raw[i]!, name)) return raw[i + 1]!;
  return undefined;
}

/** The one `DPoP` header (RFC 9449 §4.3 check 1: not more than one; §7.1: present with the DPoP scheme). */
export function extractProof(request: RequestLike): string {
  const values = headerValues(request, 'dpop');
  // Repeated headers arrive joined with ", " where raw headers are not available; a JWS has no comma.
  if (values.length > 1 || (values.length === 1 && values[0]!.includes(','))) {
    throw new DpopProofError('ERR_DPOP_PROOF_MULTIPLE', {
      description: 'Send exactly one DPoP header',
      detail: 'request carried more than one DPoP header value',
    });
  }
  const proof = values[0]?.trim();
  if (proof === undefined || proof.length === 0) {
    throw new DpopProofError('ERR_DPOP_PROOF_MISSING', {
      description: 'A DPoP proof is required with the DPoP scheme',
      detail: 'Authorization uses the DPoP scheme but no DPoP header was sent',
    });
  }
  return proof;
}

/** The HTTP URI without query and fragment (RFC 9449 §4.3 check 9), normalized by the WHATWG URL parser. */
export function htuOf(url: URL): string {
  // RFC 3986 §6.2.2.1-2: percent-encodings in upper case, unreserved characters decoded.
  const path = url.pathname.replace(/%([0-9A-Fa-f]{2})/g, (_match, hex: string) => {
    const char = String.fromCharCode(Number.parseInt(hex, 16));
    return /^[A-Za-z0-9._~-]$/.test(char) ? char : `%${hex.toUpperCase()}`;
  });
  return `${url.protocol}//${url.host}${path}`;
}

function uriError(detail: string): DpopProofError {
  return new DpopProofError('ERR_DPOP_PROOF_URI', {
    description: 'The DPoP proof htu does not match the request URI',
    detail,
  });
}

/**
 * The request's method and URI as the client addressed them. `publicUrl` (trusted configuration)
 * gives scheme, host and path prefix; without it they come from the request: a Web `Request`'s
 * absolute URL, or Node's `Host` header and socket.
 */
export function requestTarget(
  request: RequestLike,
  publicUrl: URL | undefined,
): { method: string; htu: string } {
  const method = request.method;
  if (typeof method !== 'string' || method.length === 0)
    throw uriError('the adapter passed no request method to the core');
  const target = request.originalUrl ?? request.url;
  if (typeof target !== 'string' || target.length === 0)
    throw uriError('the adapter passed no request URL to the core');
  // The same few URLs are called again and again: their htu is worked out once (see targetHtu),
  // and the one of the previous request is recognised by its parts, without building a key.
  const host = firstHeader(request, 'host');
  const encrypted = (request.socket as { encrypted?: unknown } | undefined)?.encrypted === true;
  const last = lastTarget;
  if (
    last !== undefined &&
    last.target === target &&
    last.host === host &&
    last.encrypted === encrypted &&
    last.publicUrl === publicUrl
  )
    return { method, htu: last.htu };
  const key = [
    publicUrl?.href ?? '-',
    encrypted ? 'https' : 'http',
    host === undefined ? '-' : `h${host}`,
    target,
  ].join('\n');
  if (key.length > MAX_MEMO_TARGET_KEY) return { method, htu: targetHtu(target, host, encrypted, publicUrl) };
  let htu = targets.get(key);
  if (htu === undefined) {
    htu = targetHtu(target, host, encrypted, publicUrl);
    targets.set(key, htu);
  }
  lastTarget = { publicUrl, encrypted, host, target, htu };
  return { method, htu };
}

/**
 * The inputs of the last target served from the memo below, and its htu: all of them compared,
 * `publicUrl` by identity (the gate's own configuration object), so only that very input matches.
 */
let lastTarget:
  | { publicUrl: URL | undefined; encrypted: boolean; host: string | undefined; target: string; htu: string }
  | undefined;

/**
 * htu by public URL, scheme, Host and request target, joined by line feeds, which none of them can
 * hold (HTTP refuses them in headers and request targets), and with an absent Host apart from an
 * empty one: one key is one input, so an entry can only ever hold that input's own htu. Only
 * targets that worked out are kept. Bounded, oldest dropped first, like the proof htu memo.
 */
const targets = new BoundedMap<string, string>(1000);
const MAX_MEMO_TARGET_KEY = 512;

/**
 * A `.` or `..` segment, in any spelling the WHATWG parser reads as one (`%2e`, `.%2E`, ...), in
 * the target's path: the part before query and fragment. Tabs and line breaks, which the parser
 * drops, are dropped first. An absolute target's `scheme://host` is checked too; no host is a dot.
 */
const DOT_SEGMENT = /(?:^|\/)(?:\.|%2e){1,2}(?:\/|$)/i;
function hasDotSegment(target: string): boolean {
  const end = target.search(/[?#]/);
  const path = (end === -1 ? target : target.slice(0, end)).replace(/[\t\n\r]/g, '');
  return DOT_SEGMENT.test(path);
}

function targetHtu(
  target: string,
  host: string | undefined,
  encrypted: boolean,
  publicUrl: URL | undefined,
): string {
  // No URI has a backslash (RFC 3986 §2); the WHATWG parser would read it as `/`, a router as a letter.
  if (target.includes('\\')) throw uriError('request target has a backslash');
  // The WHATWG parser removes `.` and `..` segments, encoded ones too; routers do not, so the htu
  // would name another path than the one served. No well-behaved client sends them.
  if (hasDotSegment(target)) throw uriError('request target has a `.` or `..` path segment');
  let url: URL;
  try {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) {
      url = new URL(target);
      // RFC 9112 §3.2.2: the absolute form names an http(s) URI; another has a path of any shape.
      if (url.protocol !== 'https:' && url.protocol !== 'http:')
        throw uriError('request target is not http(s)');
    } else {
      if (publicUrl === undefined && host === undefined) throw uriError('request has no Host header');
      url = new URL(`${encrypted ? 'https' : 'http'}://${host ?? 'localhost'}`);
      // Set as a path: resolved as a reference, `//other.example/read` (RFC 9112 §3.2.1: a path with
      // an empty first segment) would name another host and lose its first segment.
      const end = target.search(/[?#]/); // query and fragment are not part of htu
      url.pathname = end === -1 ? target : target.slice(0, end);
    }
  } catch (error) {
    if (error instanceof DpopProofError) throw error;
    throw uriError('request URL does not parse');
  }
  if (publicUrl !== undefined) {
    const path = url.pathname;
    url = new URL(publicUrl.origin);
    url.pathname = `${publicUrl.pathname.replace(/\/+$/, '')}${path}`;
  }
  return htuOf(url);
}

/**
 * `htu` values normalized, by their text: a client calls a handful of URLs, and parsing one costs
 * about as much as the rest of the claim checks. Short ones only, oldest dropped first, so that
 * made-up URLs cost their sender a parse each and never hold more than a few hundred kilobytes.
 */
const htus = new BoundedMap<string, string | undefined>(1000);
const MAX_MEMO_HTU_LENGTH = 256;

export function normalizedHtu(htu: string): string | undefined {
  const known = htus.get(htu);
  if (known !== undefined || htus.has(htu)) return known;
  let normalized: string | undefined;
  try {
    normalized = htuOf(new URL(htu));
  } catch {
    normalized = undefined;
  }
  if (htu.length <= MAX_MEMO_HTU_LENGTH) htus.set(htu, normalized);
  return normalized;
}
