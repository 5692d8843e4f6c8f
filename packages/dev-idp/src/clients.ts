import type { JWK } from 'jose';
import type { ClientMetadata } from 'oidc-provider';
import { APP_ROLES } from './resource.ts';

const READ_ROLE = 'ToDoList.Read.All';

/** Client ids of the seeded clients. */
export const DEV_CLIENT_IDS = {
  daemon: 'todo-daemon',
  daemonCert: 'todo-daemon-cert',
  /** A daemon granted only `ToDoList.Read.All`: writes are refused with 403 (least privilege). */
  daemonReadOnly: 'todo-daemon-readonly',
  web: 'todo-web',
  /** Confidential web app (client secret), as MSAL Node's web-app tutorials register theirs. */
  webApp: 'todo-webapp',
  /** The same web app authenticating with a certificate: `daemon-cert.key.pem`, as todo-daemon-cert. */
  webAppCert: 'todo-webapp-cert',
  docs: 'todo-docs',
  cli: 'todo-cli',
  /** A daemon that must prove possession of a key (DPoP, RFC 9449 §5.2): no proof, no token. */
  daemonDpop: 'todo-daemon-dpop',
  /**
   * A daemon holding a TLS client certificate (RFC 8705, https mode only): it authenticates with it
   * (`self_signed_tls_client_auth`) and gets access tokens bound to it (`cnf["x5t#S256"]`).
   */
  daemonMtls: 'todo-daemon-mtls',
  /** The same certificate and binding, with opaque access tokens: introspection says `cnf["x5t#S256"]`. */
  daemonMtlsOpaque: 'todo-daemon-mtls-opaque',
  /** A daemon whose access tokens are opaque: the API validates them by introspection (RFC 7662). */
  daemonOpaque: 'todo-daemon-opaque',
  /** The to-do API calling the introspection endpoint (RFC 7662 §2.1), with a client secret. */
  introspector: 'todo-api-introspect',
  /** The same, authenticating with a private key JWT (the key of `todo-daemon-cert`). */
  introspectorCert: 'todo-api-introspect-cert',
} as const;

/** Clients that may call the introspection endpoint (features.introspection.allowedPolicy). */
export const INTROSPECTION_CLIENT_IDS: ReadonlySet<string> = new Set([
  DEV_CLIENT_IDS.introspector,
  DEV_CLIENT_IDS.introspectorCert,
]);

/** Clients whose access tokens are opaque instead of RFC 9068 JWTs. */
export const OPAQUE_TOKEN_CLIENT_IDS: ReadonlySet<string> = new Set([
  DEV_CLIENT_IDS.daemonOpaque,
  DEV_CLIENT_IDS.daemonMtlsOpaque,
]);

/**
 * Secret of `todo-daemon`. DEVELOPMENT ONLY: it is published in this repository, so it protects
 * nothing; that is acceptable only because this IdP refuses to run with NODE_ENV=production.
 */
export const DEV_DAEMON_SECRET = 'dev-daemon-secret';

/** Secret of `todo-daemon-readonly`; development only, like DEV_DAEMON_SECRET. */
export const DEV_READONLY_SECRET = 'dev-readonly-secret';

/** Secret of `todo-daemon-dpop`; development only, like DEV_DAEMON_SECRET. */
export const DEV_DAEMON_DPOP_SECRET = 'dev-daemon-dpop-secret';

/** Secret of `todo-daemon-opaque`; development only, like DEV_DAEMON_SECRET. */
export const DEV_DAEMON_OPAQUE_SECRET = 'dev-daemon-opaque-secret';

/** Secret of `todo-api-introspect`; development only, like DEV_DAEMON_SECRET. */
export const DEV_INTROSPECTION_SECRET = 'dev-introspect-secret';

/** Secret of `todo-webapp`; development only, like DEV_DAEMON_SECRET. */
export const DEV_WEBAPP_SECRET = 'dev-webapp-secret';

/**
 * Redirect URIs of `todo-webapp`: those of MSAL Node's web-app tutorials (an Express app on port
 * 3000 whose `/auth/redirect` route redeems the code), on both loopback names.
 */
export const WEBAPP_REDIRECT_URIS = [
  'http://localhost:3000/auth/redirect',
  'http://127.0.0.1:3000/auth/redirect',
] as const;

/** The loopback redirect URI of `todo-cli`; any port is accepted (RFC 8252, section 7.3). */
export const CLI_REDIRECT_URI = 'http://127.0.0.1/callback';

/** What Entra keeps on an app's service principal: its object id, and the app roles granted to it. */
export interface DevAppProfile {
  readonly oid: string;
  readonly roles: readonly string[];
}

const appProfiles: ReadonlyMap<string, DevAppProfile> = new Map([
  [DEV_CLIENT_IDS.daemon, { oid: 'e4a1c7d2-3b5f-4e8a-9c6d-1f2a3b4c5d6e', roles: APP_ROLES }],
  [DEV_CLIENT_IDS.daemonCert, { oid: 'a7f3e9b1-6c2d-4f5a-8e1b-2c3d4e5f6a7b', roles: APP_ROLES }],
  [DEV_CLIENT_IDS.daemonReadOnly, { oid: 'c2d8f4a6-9e1b-4c7d-a3f5-6b8e0d2c4a19', roles: [READ_ROLE] }],
  [DEV_CLIENT_IDS.daemonOpaque, { oid: 'f1b2c3d4-5e6f-4a7b-8c9d-0e1f2a3b4c5d', roles: APP_ROLES }],
  [DEV_CLIENT_IDS.daemonDpop, { oid: 'b6e0d3a9-2f4c-4d1e-8a7b-5c9f1e3d7a20', roles: APP_ROLES }],
  [DEV_CLIENT_IDS.daemonMtls, { oid: 'd9c4a2e7-1b3f-4e6d-9a8c-7f5e3b1d2c48', roles: APP_ROLES }],
  [DEV_CLIENT_IDS.daemonMtlsOpaque, { oid: '5e8b1f3c-7a2d-4c9e-b6f0-2d4a8c1e3b57', roles: APP_ROLES }],
]);

export function appProfile(clientId: string): DevAppProfile | undefined {
  return appProfiles.get(clientId);
}

export interface ClientPorts {
  apiPort: number;
  webPort: number;
  webRedirectUris: readonly string[];
  daemonCertJwks: { keys: JWK[] };
  /** https mode: the public key of `todo-daemon-mtls`'s client certificate, with the certificate as `x5c`. */
  mtlsClientJwk?: JWK | undefined;
}

/**
 * `todo-daemon-mtls` (RFC 8705): recognised by its registered self-signed certificate (§2.2), and
 * every access token it gets is bound to that certificate (§3). Only where a TLS handshake can
 * carry the certificate, so only in https mode.
 */
function mtlsClient(jwk: JWK | undefined): ClientMetadata[] {
  if (jwk === undefined) return [];
  const bound = (): Omit<ClientMetadata, 'client_id'> => ({
    token_endpoint_auth_method: 'self_signed_tls_client_auth',
    jwks: { keys: [jwk] },
    tls_client_certificate_bound_access_tokens: true,
    grant_types: ['client_credentials'],
    response_types: [],
    redirect_uris: [],
  });
  return [
    {
      client_id: DEV_CLIENT_IDS.daemonMtls,
      client_name: 'To-do daemon (mutual TLS, certificate-bound access tokens)',
      ...bound(),
    },
    {
      // The same certificate: a token bound to it that the API can only learn about by introspection.
      client_id: DEV_CLIENT_IDS.daemonMtlsOpaque,
      client_name: 'To-do daemon (mutual TLS, certificate-bound opaque access tokens)',
      ...bound(),
    },
  ];
}

function onLoopback(port: number, path: string): string[] {
  return [`http://localhost:${port}${path}`, `http://127.0.0.1:${port}${path}`];
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}

export function buildClients(ports: ClientPorts): ClientMetadata[] {
  // What Entra accepts for a certificate credential: RS256 and PS256 (MSAL Node signs PS256
  // when given `thumbprintSha256`, RS256 with the SHA-1 `thumbprint`). Left unpinned, the
  // algorithm is any oidc-provider enables that this RSA key can verify: exactly those two.
  const certificate = {
    token_endpoint_auth_method: 'private_key_jwt',
    jwks: { keys: ports.daemonCertJwks.keys.map(({ alg: _alg, ...key }) => key) },
  } as const;
  const webRedirects = unique([...onLoopback(ports.webPort, '/auth/callback'), ...ports.webRedirectUris]);
  const webOrigins = unique(webRedirects.map((uri) => `${new URL(uri).origin}/`));
  // Public: the code is protected by PKCE (oidc-provider requires it of clients without a secret).
  const browserClient = (): Omit<ClientMetadata, 'client_id'> => ({
    application_type: 'web',
    token_endpoint_auth_method: 'none',
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
  });

  return [
    {
      client_id: DEV_CLIENT_IDS.daemon,
      client_name: 'To-do daemon (client secret)',
      client_secret: DEV_DAEMON_SECRET,
      // What MSAL and openid-client send by default for a secret.
      token_endpoint_auth_method: 'client_secret_post',
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
    },
    {
      client_id: DEV_CLIENT_IDS.daemonReadOnly,
      client_name: 'To-do daemon (read only)',
      client_secret: DEV_READONLY_SECRET,
      token_endpoint_auth_method: 'client_secret_post',
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
    },
    {
      client_id: DEV_CLIENT_IDS.daemonOpaque,
      client_name: 'To-do daemon (opaque access tokens)',
      client_secret: DEV_DAEMON_OPAQUE_SECRET,
      token_endpoint_auth_method: 'client_secret_post',
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
    },
    {
      client_id: DEV_CLIENT_IDS.daemonDpop,
      client_name: 'To-do daemon (DPoP-bound access tokens required)',
      client_secret: DEV_DAEMON_DPOP_SECRET,
      token_endpoint_auth_method: 'client_secret_post',
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      // RFC 9449 §5.2: a token request without a DPoP proof is refused.
      dpop_bound_access_tokens: true,
    },
    {
      // A resource server, not an app: it only calls the introspection endpoint. HTTP Basic is the
      // client authentication every authorization server must support (RFC 6749 §2.3.1).
      client_id: DEV_CLIENT_IDS.introspector,
      client_name: 'To-do API (token introspection, client secret)',
      client_secret: DEV_INTROSPECTION_SECRET,
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: [],
      response_types: [],
      redirect_uris: [],
    },
    {
      client_id: DEV_CLIENT_IDS.introspectorCert,
      client_name: 'To-do API (token introspection, private key JWT)',
      ...certificate,
      grant_types: [],
      response_types: [],
      redirect_uris: [],
    },
    {
      client_id: DEV_CLIENT_IDS.daemonCert,
      client_name: 'To-do daemon (private key JWT)',
      ...certificate,
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
    },
    {
      client_id: DEV_CLIENT_IDS.webApp,
      client_name: 'To-do web app (confidential, client secret)',
      application_type: 'web',
      client_secret: DEV_WEBAPP_SECRET,
      // MSAL Node sends the secret in the body.
      token_endpoint_auth_method: 'client_secret_post',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      redirect_uris: [...WEBAPP_REDIRECT_URIS],
      post_logout_redirect_uris: ['http://localhost:3000/', 'http://127.0.0.1:3000/'],
    },
    {
      client_id: DEV_CLIENT_IDS.webAppCert,
      client_name: 'To-do web app (confidential, certificate)',
      application_type: 'web',
      ...certificate,
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      redirect_uris: [...WEBAPP_REDIRECT_URIS],
      post_logout_redirect_uris: ['http://localhost:3000/', 'http://127.0.0.1:3000/'],
    },
    {
      ...browserClient(),
      client_id: DEV_CLIENT_IDS.web,
      client_name: 'To-do web app',
      redirect_uris: webRedirects,
      post_logout_redirect_uris: webOrigins,
    },
    {
      ...browserClient(),
      client_id: DEV_CLIENT_IDS.docs,
      client_name: 'To-do API documentation (Swagger UI)',
      redirect_uris: onLoopback(ports.apiPort, '/docs/oauth2-redirect.html'),
    },
    {
      client_id: DEV_CLIENT_IDS.cli,
      client_name: 'To-do command line',
      application_type: 'native',
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      redirect_uris: [CLI_REDIRECT_URI],
    },
    ...mtlsClient(ports.mtlsClientJwk),
  ];
}
