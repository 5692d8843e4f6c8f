import type { JWK } from 'jose';
import type {
  Adapter,
  Client,
  ClientMetadata,
  Configuration,
  IssuedToken,
  KoaContextWithOIDC,
  ResourceServerInfo,
  UnknownObject,
} from 'oidc-provider';
import { findAccount } from './accounts.ts';
import { DEV_ACR_VALUES } from './acr.ts';
import { INTROSPECTION_CLIENT_IDS, OPAQUE_TOKEN_CLIENT_IDS } from './clients.ts';
import { escapeHtml, page } from './login-page.ts';
import { clientAuthMethods, mtlsFeature } from './mtls.ts';
import type { Authority, ProfileName, ShapeAccessToken } from './profiles/types.ts';
import { ACCESS_TOKEN_TTL_SECONDS, resourceIndicators } from './resource.ts';

export interface ConfigurationInput {
  clients: ClientMetadata[];
  signingKeys: { keys: JWK[] };
  cookieKeys: string[];
  adapter: (name: string) => Adapter;
  profile: ProfileName;
  authority: Authority;
  /**
   * Suffix of the cookie names, so that authorities sharing an origin (B2C policies) keep apart
   * sessions; '' keeps oidc-provider's names.
   */
  cookieSuffix: string;
  /** https mode: mutual TLS client authentication and certificate-bound tokens (mtls.ts). */
  mtls?: boolean;
}

function cookieNames(suffix: string) {
  if (!suffix) return {};
  return {
    names: {
      session: `_session${suffix}`,
      interaction: `_interaction${suffix}`,
      resume: `_interaction_resume${suffix}`,
    },
  };
}

const HOUR = 60 * 60;
const DAY = 24 * HOUR;

// Browsers may call the token endpoint from the origins the client redirects to (Swagger UI does).
function clientBasedCORS(_ctx: KoaContextWithOIDC, origin: string, client: Client): boolean {
  return (client.redirectUris ?? []).some((uri) => URL.parse(uri)?.origin === origin);
}

function html(ctx: KoaContextWithOIDC, status: number, body: string): void {
  ctx.status = status;
  ctx.type = 'html';
  ctx.body = body;
}

function logoutSource(ctx: KoaContextWithOIDC, form: string): void {
  html(
    ctx,
    200,
    page(
      'Sign out',
      `<h1>Sign out?</h1>${form}<button form="op.logoutForm" value="yes" name="logout">Sign out</button>`,
    ),
  );
}

function postLogoutSuccessSource(ctx: KoaContextWithOIDC): void {
  html(ctx, 200, page('Signed out', '<h1>Signed out</h1><p>You can close this window.</p>'));
}

function renderError(ctx: KoaContextWithOIDC, out: Record<string, string>): void {
  const details = Object.entries(out)
    .map(([key, value]) => `<p><strong>${escapeHtml(key)}</strong>: ${escapeHtml(String(value))}</p>`)
    .join('');
  html(ctx, ctx.status || 400, page('Error', `<h1>Something went wrong</h1>${details}`));
}

/** What introspection sets itself (RFC 7662 §2.2), left out of the stored extra claims. */
const INTROSPECTION_MEMBERS = new Set(['active', 'client_id', 'exp', 'iat', 'iss', 'jti', 'aud', 'scope']);

/**
 * extraTokenClaims: an opaque access token's claims are what its JWT would have carried, shaped by
 * the profile (Entra's `oid`, `tid`, `roles`, `idtyp`...), so the introspection response
 * (RFC 7662 §2.2) tells a resource server what the JWT would have. JWT access tokens get nothing
 * here: the profile shapes them itself.
 */
async function opaqueTokenClaims(
  ctx: KoaContextWithOIDC,
  token: IssuedToken,
  issuer: string,
  shape: ShapeAccessToken,
): Promise<UnknownObject | undefined> {
  if (token.resourceServer?.accessTokenFormat !== 'opaque') return undefined;
  const jwt = {
    header: {},
    payload: {
      iss: issuer,
      aud: token.aud,
      iat: token.iat,
      exp: token.exp,
      jti: token.jti,
      client_id: token.clientId ?? token.client?.clientId,
      scope: token.scope,
      sub: token.accountId,
    } as UnknownObject,
  };
  await shape(ctx, token, jwt);
  const extra: UnknownObject = {};
  for (const [name, value] of Object.entries(jwt.payload)) {
    if (value !== undefined && !INTROSPECTION_MEMBERS.has(name)) extra[name] = value;
  }
  return extra;
}

/** The oidc-provider configuration; every default that would print a "you should change" notice is set. */
export function buildConfiguration(input: ConfigurationInput): Configuration {
  const { authority } = input;
  const { routes, mount } = authority;
  const resources = resourceIndicators(authority.api, authority.defaultResource);
  return {
    adapter: input.adapter,
    clients: input.clients,
    jwks: input.signingKeys,
    cookies: { keys: input.cookieKeys, ...cookieNames(input.cookieSuffix) },
    findAccount,
    scopes: ['openid', 'offline_access', 'profile', 'email'],
    claims: {
      openid: ['sub', 'oid', 'tid'],
      profile: ['name', 'preferred_username'],
      email: ['email', 'email_verified'],
    },
    clientBasedCORS,
    clientAuthMethods: clientAuthMethods(input.mtls ?? false),
    // Tells the token helpers (getUserToken, getAppToken) which provider's requests to send.
    discovery: { dev_idp_profile: input.profile },
    // Authorization code only: no implicit or hybrid flows, as OAuth 2.1 and Entra's guidance say.
    responseTypes: ['code'],
    // Step-up (RFC 9470 §4): clients may ask for `mfa` with acr_values; discovery lists both.
    acrValues: [...DEV_ACR_VALUES],
    interactions: { url: (_ctx, interaction) => `${mount}${routes.interaction}/${interaction.uid}` },
    routes: {
      authorization: routes.authorization,
      token: routes.token,
      jwks: routes.jwks,
      end_session: routes.endSession,
      revocation: routes.revocation,
      userinfo: routes.userinfo,
    },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      // OpenID Connect's `claims` parameter: how Entra clients declare capabilities (xms_cc) and
      // answer claims challenges (acrs); see client-capabilities.ts.
      claimsParameter: { enabled: true },
      // RFC 7009 §2.1: a client revokes only its own tokens (oidc-provider's default, made explicit
      // so it prints no notice); another client's request revokes nothing.
      revocation: {
        enabled: true,
        allowedPolicy: async (_ctx: KoaContextWithOIDC, client: Client, token: { clientId?: string }) =>
          token.clientId === client.clientId,
      },
      rpInitiatedLogout: { enabled: true, logoutSource, postLogoutSuccessSource },
      resourceIndicators: {
        enabled: true,
        // The refresh and code exchange need not repeat `resource`: the grant already names it.
        useGrantedResource: async () => true,
        defaultResource: resources.defaultResource,
        // The same resource, but opaque access tokens for the clients that get them.
        getResourceServerInfo: async (
          ctx: KoaContextWithOIDC,
          indicator: string,
          client?: Client,
        ): Promise<ResourceServerInfo> => {
          const info = await resources.getResourceServerInfo(ctx, indicator);
          if (!client || !OPAQUE_TOKEN_CLIENT_IDS.has(client.clientId)) return info;
          const { jwt: _jwt, ...rest } = info;
          return { ...rest, accessTokenFormat: 'opaque' };
        },
      },
      // DPoP (RFC 9449 §5): a token request with a proof gets an access token bound to the proof's
      // key (`cnf.jkt`, §6.1) and `token_type: DPoP`. On by default in oidc-provider 9; made
      // explicit here because adapter.ts must keep replay records for its proofs (§11.1). Clients
      // with `dpop_bound_access_tokens` (§5.2) must send a proof; the others may.
      dPoP: { enabled: true, allowReplay: false },
      // RFC 8705: see mtls.ts.
      mTLS: mtlsFeature(input.mtls ?? false),
      // RFC 7662: only the resource servers' introspection clients may ask about a token.
      introspection: {
        enabled: true,
        allowedPolicy: async (_ctx: KoaContextWithOIDC, client: Client) =>
          INTROSPECTION_CLIENT_IDS.has(client.clientId),
      },
    },
    extraTokenClaims: (ctx, token) =>
      opaqueTokenClaims(ctx, token, authority.issuer, authority.shapeAccessToken),
    formats: { customizers: { jwt: authority.shapeAccessToken } },
    // oidc-provider drops offline_access unless prompt=consent (OpenID Connect Core 11); Entra does
    // not, and MSAL never sends prompt=consent, so a client that may refresh gets a refresh token.
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    renderError,
    ttl: {
      AccessToken: ACCESS_TOKEN_TTL_SECONDS,
      ClientCredentials: ACCESS_TOKEN_TTL_SECONDS,
      AuthorizationCode: 60,
      IdToken: HOUR,
      Interaction: HOUR,
      RefreshToken: 14 * DAY,
      Session: 14 * DAY,
      Grant: 14 * DAY,
    },
  };
}
