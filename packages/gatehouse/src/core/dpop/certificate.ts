/**
 * Certificate-bound access tokens (RFC 8705 §3): a token whose `cnf` has `x5t#S256` is accepted
 * only from a TLS client that presented the certificate with that SHA-256 thumbprint. The
 * certificate comes from Node's TLS socket, or, behind a TLS-terminating proxy, from a header that
 * proxy sets, believed only from the proxies' addresses (trusted-proxies.ts).
 */
import { createHash } from 'node:crypto';
import { ConfigurationError, GatehouseError, type GatehouseErrorInit } from '../errors.ts';
import type { HeadersLike, RequestLike } from '../extract.ts';
import { MTLS_OPTIONS } from '../option-table.ts';
import type { Principal } from '../principal.ts';
import { DEFAULT_TRUSTED_PROXIES, peerAddress, trustedPeers } from './trusted-proxies.ts';

export interface MtlsOptions {
  /**
   * A header holding the client certificate, set by the TLS-terminating proxy in front (PEM,
   * URL-encoded PEM as nginx's `$ssl_client_escaped_cert`, or base64 DER). Without it the
   * certificate is read from Node's own TLS socket.
   */
  certificateHeader?: string;
  /**
   * The peers (the proxies) whose `certificateHeader` is believed: IP addresses and CIDR ranges, or
   * `'*'` for every peer (Web `Request`s carry no peer address; or only the proxy can connect).
   * From any other peer the header is ignored and the certificate comes from Node's TLS socket,
   * if any. @default loopback: `['127.0.0.0/8', '::1/128']`
   */
  trustedProxies?: readonly string[];
}

export interface ResolvedMtls {
  certificateHeader: string | undefined;
  /** Whether a request from this peer address may name its certificate in `certificateHeader`. */
  trustsPeer: (address: string | undefined) => boolean;
}

const KNOWN = new Set(Object.keys(MTLS_OPTIONS));

export function resolveMtls(value: MtlsOptions | undefined): ResolvedMtls {
  if (value === undefined) return { certificateHeader: undefined, trustsPeer: () => false };
  if (value === null || typeof value !== 'object') throw new ConfigurationError('mtls', 'must be an object');
  for (const key of Object.keys(value))
    if (!KNOWN.has(key)) throw new ConfigurationError(`mtls.${key}`, 'is not a known option');
  const header = value.certificateHeader;
  if (header !== undefined && (typeof header !== 'string' || !/^[A-Za-z0-9-]+$/.test(header)))
    throw new ConfigurationError('mtls.certificateHeader', 'must be a header name');
  if (header === undefined && value.trustedProxies !== undefined)
    throw new ConfigurationError('mtls.trustedProxies', 'needs mtls.certificateHeader, the header they set');
  return {
    certificateHeader: header?.toLowerCase(),
    trustsPeer: trustedPeers(value.trustedProxies ?? DEFAULT_TRUSTED_PROXIES, 'mtls.trustedProxies'),
  };
}

/** The token is certificate-bound and the request's client certificate is not that one: 401 `invalid_token`. */
export class CertificateBindingError extends GatehouseError {
  constructor(init: GatehouseErrorInit & { description: string }) {
    super('ERR_MTLS_BINDING', 401, 'invalid_token', init);
  }
}

/** `cnf["x5t#S256"]` of a token (RFC 8705 §3.1), or undefined when it is not certificate-bound. */
export function certificateThumbprint(principal: Pick<Principal, 'claims'>): unknown {
  const cnf = principal.claims.cnf;
  if (cnf === null || typeof cnf !== 'object' || !('x5t#S256' in cnf)) return undefined;
  return (cnf as Record<string, unknown>)['x5t#S256'];
}

function headerValue(headers: HeadersLike, name: string): string | undefined {
  if (typeof (headers as { get?: unknown }).get === 'function')
    return (headers as { get(n: string): string | null }).get(name) ?? undefined;
  const value = (headers as Readonly<Record<string, string | readonly string[] | undefined>>)[name];
  if (value === undefined || typeof value === 'string') return value;
  return value.length === 1 ? value[0] : undefined; // several certificates: none is trusted
}

const PEM_BEGIN = '-----BEGIN CERTIFICATE-----';
const PEM_END = '-----END CERTIFICATE-----';

/**
 * DER bytes of a certificate in a proxy header: PEM (URL-encoded or not) or base64 DER. Neither has
 * a comma, which is how Node and `Headers` join repeated headers: a client's own header, passed on
 * by a proxy that adds its header rather than replacing it, would come first.
 */
function derFromHeader(raw: string): Buffer | undefined {
  let text = raw.trim();
  try {
    if (text.includes('%')) text = decodeURIComponent(text);
  } catch {
    return undefined;
  }
  if (text.includes(',')) return undefined; // several certificates: none is trusted
  // Found by index: a lazy BEGIN...END pattern rescans the rest of the value from every BEGIN.
  const begin = text.indexOf(PEM_BEGIN);
  const end = begin === -1 ? -1 : text.indexOf(PEM_END, begin + PEM_BEGIN.length);
  const body = (end === -1 ? text : text.slice(begin + PEM_BEGIN.length, end)).replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(body)) return undefined;
  const der = Buffer.from(body, 'base64');
  return der.length > 0 ? der : undefined;
}

function derFromSocket(request: RequestLike): Buffer | undefined {
  const socket = request.socket as
    | { getPeerCertificate?: (detailed?: boolean) => { raw?: unknown } }
    | undefined;
  if (typeof socket?.getPeerCertificate !== 'function') return undefined;
  const raw = socket.getPeerCertificate(false)?.raw;
  return Buffer.isBuffer(raw) && raw.length > 0 ? raw : undefined;
}

/**
 * DER bytes of the request's client certificate: from the trusted proxy's header when one is
 * configured and the request came through such a proxy, else from Node's TLS socket.
 */
export function clientCertificateDer(request: RequestLike, config: ResolvedMtls): Buffer | undefined {
  const header = config.certificateHeader;
  if (header === undefined || !config.trustsPeer(peerAddress(request.socket))) return derFromSocket(request);
  const raw = headerValue(request.headers, header);
  return raw === undefined ? undefined : derFromHeader(raw);
}

/** SHA-256 thumbprint of a DER certificate, base64url (RFC 8705 §3.1). */
export function certificateDerThumbprint(der: Buffer): string {
  return createHash('sha256').update(der).digest('base64url');
}

/**
 * The refusal for a token bound to the certificate with thumbprint `expected` (`cnf["x5t#S256"]`)
 * when the client presented `der` (or none), or undefined when that is the bound certificate.
 */
export function certificateBindingFailure(
  expected: unknown,
  der: Buffer | undefined,
): CertificateBindingError | undefined {
  if (der === undefined) {
    return new CertificateBindingError({
      description: 'The access token is bound to a client certificate, and none was presented',
      detail: 'token has cnf.x5t#S256; the request has no client certificate',
    });
  }
  if (certificateDerThumbprint(der) !== expected) {
    return new CertificateBindingError({
      description: 'The access token is bound to another client certificate',
      detail: 'cnf.x5t#S256 differs from the SHA-256 thumbprint of the client certificate',
    });
  }
  return undefined;
}

/** Refuses a certificate-bound token unless the request's client certificate is the bound one. */
export function checkCertificateBinding(
  principal: Principal,
  request: RequestLike,
  config: ResolvedMtls,
): void {
  const expected = certificateThumbprint(principal);
  if (expected === undefined) return;
  const failure = certificateBindingFailure(expected, clientCertificateDer(request, config));
  if (failure) throw failure;
}
