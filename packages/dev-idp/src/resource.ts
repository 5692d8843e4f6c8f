import type { KoaContextWithOIDC, ResourceServerInfo } from 'oidc-provider';
import { errors } from 'oidc-provider';

/** The one protected resource this IdP issues access tokens for: the to-do API. */
export const API_RESOURCE = 'api://todo';

/** Delegated permissions (Entra "scopes"), carried in `scp` of user tokens. */
export const DELEGATED_SCOPES: readonly string[] = ['ToDoList.Read', 'ToDoList.ReadWrite'];

/** Application permissions (Entra "app roles"), carried in `roles` of app tokens. */
export const APP_ROLES: readonly string[] = ['ToDoList.Read.All', 'ToDoList.ReadWrite.All'];

export const ACCESS_TOKEN_TTL_SECONDS = 3600;

const apiServer: ResourceServerInfo = {
  scope: DELEGATED_SCOPES.join(' '),
  audience: API_RESOURCE,
  accessTokenTTL: ACCESS_TOKEN_TTL_SECONDS,
  accessTokenFormat: 'jwt',
  jwt: { sign: { alg: 'RS256' } },
};

/**
 * features.resourceIndicators.defaultResource: a client credentials request naming no resource
 * and no API scope is for the API anyway (the only one); otherwise the token would be opaque and
 * good for nothing. Other requests without a resource get OpenID Connect tokens only.
 */
export async function defaultResource(
  ctx: KoaContextWithOIDC,
  _client: unknown,
  oneOf?: string[],
): Promise<string | string[] | undefined> {
  if (oneOf) return oneOf;
  if (ctx.oidc.route === 'token' && ctx.oidc.params?.grant_type === 'client_credentials') return API_RESOURCE;
  return undefined;
}

/** features.resourceIndicators.getResourceServerInfo: any other resource indicator is invalid_target. */
export async function getResourceServerInfo(
  _ctx: KoaContextWithOIDC,
  indicator: string,
): Promise<ResourceServerInfo> {
  if (indicator !== API_RESOURCE) {
    throw new errors.InvalidTarget(`unknown resource indicator; this IdP only serves ${API_RESOURCE}`);
  }
  return apiServer;
}
