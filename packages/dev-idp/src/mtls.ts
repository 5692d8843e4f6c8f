/**
 * oidc-provider's mutual TLS feature (RFC 8705) for https mode: the token endpoint reads the
 * client certificate from the TLS socket, authenticates `self_signed_tls_client_auth` clients by
 * it (§2.2), and binds the access tokens of `tls_client_certificate_bound_access_tokens` clients to
 * it (§3, `cnf["x5t#S256"]`). The server asks every client for a certificate and rejects none for
 * lacking one: clients that authenticate otherwise (secrets, private key JWTs, browsers) send none.
 */
import { X509Certificate } from 'node:crypto';
import { TLSSocket } from 'node:tls';
import type { KoaContextWithOIDC } from 'oidc-provider';

/** The certificate the client presented in this connection's handshake, if any. */
export function clientCertificate(ctx: KoaContextWithOIDC): X509Certificate | undefined {
  const socket = ctx.req.socket;
  if (!(socket instanceof TLSSocket)) return undefined;
  // An empty object when the client sent none.
  const raw: unknown = socket.getPeerCertificate(false)?.raw;
  return Buffer.isBuffer(raw) && raw.length > 0 ? new X509Certificate(raw) : undefined;
}

/** `features.mTLS`: on in https mode only, where a handshake can carry a certificate. */
export function mtlsFeature(enabled: boolean) {
  if (!enabled) return { enabled: false };
  return {
    enabled: true,
    certificateBoundAccessTokens: true,
    selfSignedTlsClientAuth: true,
    getCertificate: clientCertificate,
  };
}

/** oidc-provider's default client authentication methods, plus RFC 8705 §2.2's in https mode. */
export function clientAuthMethods(mtls: boolean): string[] {
  const methods = [
    'client_secret_basic',
    'client_secret_jwt',
    'client_secret_post',
    'private_key_jwt',
    'none',
  ];
  return mtls ? [...methods, 'self_signed_tls_client_auth'] : methods;
}

/**
 * Node https options asking clients for a certificate without requiring or verifying one: a
 * self-signed client certificate is checked against the client's registration, not a CA.
 */
export const REQUEST_CLIENT_CERTIFICATE = { requestCert: true, rejectUnauthorized: false } as const;
