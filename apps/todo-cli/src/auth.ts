/**
 * The daemon's own access token: OAuth 2.0 client credentials through openid-client (discovery,
 * then the token endpoint), authenticated with a client secret or a private key (private_key_jwt).
 * The token is kept in memory, never on disk, and reused until shortly before it expires.
 */
import * as oidc from 'openid-client';
import type { Config } from './config.ts';
import type { DpopKey } from './dpop.ts';
import { CliError, EXIT, networkFailure, printable } from './errors.ts';
import { loadSigningKey } from './keys.ts';
import { type ClientCertificate, mtlsFetch } from './mtls.ts';

export interface TokenProvider {
  /** A usable access token: the cached one unless it expires within a minute, else a new one. */
  getToken(): Promise<string>;
  /** Forgets the cached token (the API refused it), so the next getToken asks the IdP again. */
  invalidate(): void;
}

// Renewing a little early keeps a token from expiring between this process and the API's check.
const EXPIRY_MARGIN_S = 60;
const TIMEOUT_S = 10;

// Microsoft's login hosts document the token endpoint as the assertion's audience.
const MICROSOFT_LOGIN =
  /(^|\.)(login\.microsoftonline\.(com|us)|login\.partner\.microsoftonline\.cn|ciamlogin\.com|b2clogin\.com)$/;

/** The `aud` to put in a client assertion instead of openid-client's default (the issuer), if any. */
export function assertionAudience(tokenEndpoint: string | undefined): string | undefined {
  const host = tokenEndpoint ? URL.parse(tokenEndpoint)?.hostname : undefined;
  return host && MICROSOFT_LOGIN.test(host) ? tokenEndpoint : undefined;
}

async function clientAuthentication(config: Config): Promise<oidc.ClientAuth> {
  const { credential } = config;
  // Both are sent in the body: what Entra ID, MSAL and the dev IdP's seeded clients expect.
  if (credential.kind === 'secret') return oidc.ClientSecretPost(credential.secret);
  // RFC 8705 §2: the certificate presented in the handshake authenticates the client.
  if (credential.kind === 'tls_client_auth') return oidc.TlsClientAuth();
  const signing = await loadSigningKey(credential.keyFile, credential.certificateFile);
  const { certificateHeader } = signing;
  let audience: string | undefined;
  const signed = oidc.PrivateKeyJwt(
    { key: signing.key, kid: signing.kid },
    {
      [oidc.modifyAssertion]: (header, payload) => {
        // Entra ID finds the registered certificate by its thumbprint, not by `kid`.
        if (certificateHeader) Object.assign(header, certificateHeader);
        if (audience) payload.aud = audience;
      },
    },
  );
  return (as, client, body, headers) => {
    // openid-client makes the assertion's `aud` the issuer (RFC 7523bis), which the dev IdP and
    // current OpenID providers expect; Entra ID documents its token endpoint instead.
    audience = assertionAudience(as.token_endpoint);
    return signed(as, client, body, headers);
  };
}

function where(config: Config): string {
  return config.authority.href.replace(/\/$/, '');
}

interface IssuerMismatch {
  attribute?: unknown;
  body?: { issuer?: unknown };
}

/** Turns whatever openid-client threw into one line saying what happened and what to check. */
export function explainAuthError(error: unknown, config: Config): CliError {
  if (error instanceof CliError) return error;
  const idp = where(config);

  const network = networkFailure(error);
  if (network?.tls) {
    return new CliError(
      `cannot connect securely to the identity provider at ${idp} (${network.code}); if it uses a development CA, start with NODE_EXTRA_CA_CERTS=<its ca.pem>`,
      EXIT.unreachable,
      { cause: error },
    );
  }
  if (network) {
    return new CliError(
      `cannot reach the identity provider at ${idp} (${network.code}); is it running? check ${config.sources.authority === 'default' ? 'TODO_AUTHORITY' : config.sources.authority}`,
      EXIT.unreachable,
      { cause: error },
    );
  }

  if (error instanceof oidc.ResponseBodyError || error instanceof oidc.WWWAuthenticateChallengeError) {
    const code =
      error instanceof oidc.ResponseBodyError
        ? error.error
        : (error.cause.find((challenge) => challenge.parameters.error)?.parameters.error ?? 'invalid_client');
    const description =
      error instanceof oidc.ResponseBodyError && error.error_description
        ? `: ${printable(error.error_description)}`
        : '';
    if (code === 'invalid_client' || code === 'unauthorized_client' || error.status === 401) {
      const check =
        config.credential.kind === 'private_key_jwt'
          ? `that the key in ${config.credential.keyFile} is registered for the client`
          : config.credential.kind === 'tls_client_auth'
            ? `that the certificate in ${config.tls?.certFile ?? config.sources.credential} is registered for the client`
            : config.sources.credential === 'default'
              ? "TODO_CLIENT_SECRET (unset, so the dev IdP's published secret was sent)"
              : config.sources.credential;
      return new CliError(
        `authentication failed: the identity provider refused client ${config.clientId} (${code}${description}); check ${check} and TODO_CLIENT_ID`,
        EXIT.auth,
        { cause: error },
      );
    }
    if (code === 'invalid_scope' || code === 'invalid_target') {
      return new CliError(
        `authentication failed: the identity provider refused scope "${config.scope}" (${code}${description}); check TODO_SCOPE and the app's API permissions`,
        EXIT.auth,
        { cause: error },
      );
    }
    // oidc-provider words every invalid_grant alike, also "DPoP proof required" (RFC 9449 §5.2).
    const hint = code === 'invalid_grant' && !config.dpop ? '; if this client must use DPoP, add --dpop' : '';
    return new CliError(
      `the identity provider refused the token request (HTTP ${error.status} ${code}${description})${hint}`,
      EXIT.error,
      { cause: error },
    );
  }

  // openid-client checks that discovery names the issuer it was asked for (OpenID Discovery 4.3).
  const mismatch =
    error instanceof oidc.ClientError ? (error.cause as IssuerMismatch | undefined) : undefined;
  if (error instanceof oidc.ClientError && mismatch?.attribute === 'issuer') {
    const issuer = mismatch.body?.issuer;
    return new CliError(
      `the identity provider at ${idp} names its issuer ${printable(String(issuer))}; set TODO_AUTHORITY to exactly that, or to the full URL of its /.well-known/openid-configuration`,
      EXIT.usage,
      { cause: error },
    );
  }
  if (error instanceof oidc.ClientError) {
    return new CliError(
      `the identity provider at ${idp} did not answer as an OpenID provider (${printable(error.message)}); check TODO_AUTHORITY`,
      EXIT.error,
      { cause: error },
    );
  }
  return new CliError(
    `token request failed: ${printable(error instanceof Error ? error.message : String(error))}`,
    EXIT.error,
    { cause: error },
  );
}

export interface TokenProviderOptions {
  /** Seconds since the epoch; tests move the clock. */
  now?: () => number;
  /**
   * Ask for a token bound to this key (RFC 9449 §5): each token request carries a proof signed
   * with it, and a `use_dpop_nonce` answer is retried once with the server's nonce (§8).
   */
  dpop?: DpopKey;
  /**
   * Mutual TLS (RFC 8705): present this certificate to the token endpoint, which binds the token to
   * it (`cnf["x5t#S256"]`, §3) and may authenticate the client by it (§2).
   */
  mtls?: ClientCertificate;
}

export function createTokenProvider(config: Config, options: TokenProviderOptions = {}): TokenProvider {
  const now = options.now ?? (() => Date.now() / 1000);
  let configuration: Promise<oidc.Configuration> | undefined;
  let cached: { token: string; renewAt: number } | undefined;
  let pending: Promise<string> | undefined;

  const { mtls } = options;
  const discover = async (): Promise<oidc.Configuration> => {
    const configured = await oidc.discovery(
      config.authority,
      config.clientId,
      // RFC 8705 §5: the server's mutual-TLS endpoints, where it has separate ones.
      mtls ? { use_mtls_endpoint_aliases: true } : undefined,
      await clientAuthentication(config),
      {
        timeout: TIMEOUT_S,
        // Plain http reaches this point only for loopback hosts (config.ts refuses it elsewhere).
        execute: config.authority.protocol === 'http:' ? [oidc.allowInsecureRequests] : [],
      },
    );
    if (mtls) configured[oidc.customFetch] = mtlsFetch(mtls);
    return configured;
  };

  const { dpop } = options;
  // One handle per configuration: it remembers the nonces the token endpoint hands out.
  let handle: { for: oidc.Configuration; DPoP: oidc.DPoPHandle } | undefined;
  const dpopOptions = (configured: oidc.Configuration): oidc.DPoPOptions | undefined => {
    if (!dpop) return undefined;
    if (handle?.for !== configured) {
      handle = { for: configured, DPoP: oidc.getDPoPHandle(configured, dpop.keyPair) };
    }
    return { DPoP: handle.DPoP };
  };

  const request = async (): Promise<string> => {
    try {
      configuration ??= discover();
      const configured = await configuration;
      const response = await oidc.clientCredentialsGrant(
        configured,
        { scope: config.scope },
        dpopOptions(configured),
      );
      // RFC 9449 §5: a server that ignores the proof answers token_type Bearer; a token sent
      // with the DPoP scheme would then be refused, so say so here instead.
      if (dpop && response.token_type.toLowerCase() !== 'dpop') {
        throw new CliError(
          `the identity provider at ${where(config)} ignored the DPoP proof and issued a ${printable(response.token_type)} token; it may not support DPoP (RFC 9449): run without --dpop and TODO_DPOP`,
          EXIT.auth,
        );
      }
      const lifetime = response.expires_in;
      // Without expires_in, keep the token until the API refuses it (then the retry renews it).
      const margin = lifetime === undefined ? 0 : Math.min(EXPIRY_MARGIN_S, lifetime / 2);
      cached = {
        token: response.access_token,
        renewAt: lifetime === undefined ? Number.POSITIVE_INFINITY : now() + lifetime - margin,
      };
      return response.access_token;
    } catch (error) {
      // A failed discovery is not cached: the next call tries again.
      configuration = undefined;
      throw explainAuthError(error, config);
    }
  };

  return {
    getToken() {
      if (cached && now() < cached.renewAt) return Promise.resolve(cached.token);
      // Concurrent callers share one token request.
      pending ??= request().finally(() => {
        pending = undefined;
      });
      return pending;
    },
    invalidate() {
      cached = undefined;
    },
  };
}
