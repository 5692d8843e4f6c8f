/**
 * Certificate-bound access tokens (RFC 8705 §3): a token whose `cnf` has `x5t#S256` is accepted
 * only from a TLS client that presented the certificate with that SHA-256 thumbprint. The
 * certificate comes from Node's TLS socket, or, behind a TLS-terminating proxy, from a header that
 * proxy sets (and that clients must not be able to reach the service around it to forge).
 */
import { createHash } from 'node:crypto';
import { ConfigurationError, GatehouseError, type GatehouseErrorInit } from '../errors.ts';
import type { HeadersLike, RequestLike } from '../extract.ts';
import type { Principal } from '../principal.ts';

export interface MtlsOptions {
  /**
   * A header holding the client certificate, set by the TLS-terminating proxy in front (PEM,
   * URL-encoded PEM as nginx's `$ssl_client_escaped_cert`, or base64 DER). Without it the
   * certificate is read from Node's own TLS socket.
   */
  certificateHeader?: string;
}

export interface ResolvedMtls {
  certificateHeader: string | undefined;
}

export function resolveMtls(value: MtlsOptions | undefined): ResolvedMtls {
  if (value === undefined) return { certificateHeader: undefined };
  if (value === null || typeof value !== 'object') throw new ConfigurationError('mtls', 'must be an object');
  for (const key of Object.keys(value))
    if (key !== 'certificateHeader') throw new ConfigurationError(`mtls.${key}`, 'is not a known option');
  const header = value.certificateHeader;
  if (header !== undefined && (typeof header !== 'string' || !/^[A-Za-z0-9-]+$/.test(header)))
    throw new ConfigurationError('mtls.certificateHeader', 'must be a header name');
  return { certificateHeader: header?.toLowerCase() };
}

/** The token is certificate-bound and the request's client certificate is not that one: 401 `invalid_token`. */
export class CertificateBindingError extends GatehouseError {
  constructor(init: GatehouseErrorInit & { description: string }) {
    super('ERR_MTLS_BINDING', 401, 'invalid_token', init);
  }
}

/** `cnf["x5t#S256"]` of a token (RFC 8705 §3.1), or undefined when it is not certificate-bound. */
export function certificateThumbprint(principal: Principal): unknown {
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

/** DER bytes of a certificate in a proxy header: PEM (URL-encoded or not) or base64 DER. */
function derFromHeader(raw: string): Buffer | undefined {
  let text = raw.trim();
  try {
    if (text.includes('%')) text = decodeURIComponent(text);
  } catch {
    return undefined;
  }
  const pem = /-----BEGIN CERTIFICATE-----([\s\S]+?)-----END CERTIFICATE-----/.exec(text);
  const body = (pem ? pem[1]! : text).replace(/\s+/g, '');
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

/** Refuses a certificate-bound token unless the request's client certificate is the bound one. */
export function checkCertificateBinding(
  principal: Principal,
  request: RequestLike,
  config: ResolvedMtls,
): void {
  const expected = certificateThumbprint(principal);
  if (expected === undefined) return;
  const header = config.certificateHeader;
  const raw = header === undefined ? undefined : headerValue(request.headers, header);
  const der =
    header === undefined ? derFromSocket(request) : raw === undefined ? undefined : derFromHeader(raw);
  if (der === undefined) {
    throw new CertificateBindingError({
      description: 'The access token is bound to a client certificate, and none was presented',
      detail: 'token has cnf.x5t#S256; the request has no client certificate',
    });
  }
  if (createHash('sha256').update(der).digest('base64url') !== expected) {
    throw new CertificateBindingError({
      description: 'The access token is bound to another client certificate',
      detail: 'cnf.x5t#S256 differs from the SHA-256 thumbprint of the client certificate',
    });
  }
}
