import type { IssuedToken, KoaContextWithOIDC, StructuredJwt, UnknownObject } from 'oidc-provider';
import { DEV_TENANT_ID, findUserBySub } from './accounts.ts';
import { capabilityClaims } from './client-capabilities.ts';
import { appProfile } from './clients.ts';
import { DELEGATED_SCOPES } from './resource.ts';

const delegated = new Set(DELEGATED_SCOPES);

// Entra's azpacr: how the client authenticated ("0" public, "1" secret, "2" certificate or key).
function azpacr(authMethod: string | undefined): '0' | '1' | '2' {
  if (authMethod === 'private_key_jwt' || authMethod === 'self_signed_tls_client_auth') return '2';
  if (authMethod === undefined || authMethod === 'none') return '0';
  return '1';
}

function userClaims(accountId: string, scope: string | undefined): UnknownObject {
  const user = findUserBySub(accountId);
  if (!user) throw new Error(`dev-idp: no seeded user has sub ${accountId}`);
  // Only API scopes: Entra never puts openid, profile or offline_access in an access token's scp.
  const scp = (scope ?? '').split(' ').filter((value) => delegated.has(value));
  return {
    sub: user.sub,
    oid: user.oid,
    name: user.name,
    preferred_username: user.email,
    ...(scp.length > 0 ? { scp: scp.join(' ') } : {}),
    idtyp: 'user',
  };
}

function appClaims(clientId: string): UnknownObject {
  const profile = appProfile(clientId);
  if (!profile) throw new Error(`dev-idp: client ${clientId} has no app profile`);
  // For an app, Entra's sub and oid are both the service principal's object id.
  return {
    sub: profile.oid,
    oid: profile.oid,
    ...(profile.roles.length > 0 ? { roles: [...profile.roles] } : {}),
    idtyp: 'app',
  };
}

/**
 * The user's sign-in, as OpenID Connect's ID token states it (`acr`, `amr`, `auth_time`): what a
 * resource server checks for RFC 9470 step-up. From the code or refresh token being redeemed.
 */
function signIn(ctx: KoaContextWithOIDC): UnknownObject {
  const source = ctx.oidc.entities?.AuthorizationCode ?? ctx.oidc.entities?.RefreshToken;
  if (!source) return {};
  return {
    ...(source.acr ? { acr: source.acr } : {}),
    ...(source.amr ? { amr: source.amr } : {}),
    ...(typeof source.authTime === 'number' ? { auth_time: source.authTime } : {}),
    // Entra's xms_cc and acrs, from the `claims` request (see client-capabilities.ts).
    ...capabilityClaims(source.claims, source.acr),
  };
}

/**
 * formats.customizers.jwt: reshapes oidc-provider's RFC 9068 access token into an Entra v2 one.
 * The `scope` claim goes: consumers read `scp` (users) or `roles` (apps), never both kinds.
 */
export async function shapeAccessToken(
  ctx: KoaContextWithOIDC,
  token: IssuedToken,
  jwt: StructuredJwt,
): Promise<void> {
  const { scope: _scope, sub: _sub, iss, aud, iat, exp, jti, client_id, ...rest } = jwt.payload;
  const clientId = token.clientId ?? token.client?.clientId;
  if (typeof clientId !== 'string') throw new Error('dev-idp: access token without a client');

  jwt.payload = {
    aud,
    iss,
    iat,
    nbf: iat,
    exp,
    tid: DEV_TENANT_ID,
    ...(token.accountId
      ? { ...userClaims(token.accountId, token.scope), ...signIn(ctx) }
      : appClaims(clientId)),
    azp: clientId,
    azpacr: azpacr(token.client?.clientAuthMethod),
    ver: '2.0',
    // RFC 9068 claims kept beside Entra's, for consumers that read the standard ones.
    client_id,
    jti,
    ...rest,
  };
}
