import type { KoaContextWithOIDC, ResourceServerInfo } from 'oidc-provider';
import { errors } from 'oidc-provider';
import type { ApiResource } from './api-resource.ts';

/** The one protected resource the entra profile issues access tokens for: the to-do API. */
export const API_RESOURCE = 'api://todo';

/** Delegated permissions (Entra "scopes"), carried in `scp` of user tokens. */
export const DELEGATED_SCOPES: readonly string[] = ['ToDoList.Read', 'ToDoList.ReadWrite'];

/** Application permissions (Entra "app roles"), carried in `roles` of app tokens. */
export const APP_ROLES: readonly string[] = ['ToDoList.Read.All', 'ToDoList.ReadWrite.All'];

export const ACCESS_TOKEN_TTL_SECONDS = 3600;

export interface ResourceIndicators {
  defaultResource(
    ctx: KoaContextWithOIDC,
    client: unknown,
    oneOf?: string[],
  ): Promise<string | string[] | undefined>;
  getResourceServerInfo(ctx: KoaContextWithOIDC, indicator: string): Promise<ResourceServerInfo>;
}

/**
 * features.resourceIndicators for an authority serving one API. `client-credentials`: a client
 * credentials request naming no resource is for the API anyway (otherwise the token would be
 * opaque and good for nothing), other requests without a resource get OpenID Connect tokens only.
 * `always`: every request is for the API (Keycloak has no resource parameter: its access tokens
 * always carry the realm's roles). Any other resource indicator is invalid_target.
 */
export function resourceIndicators(
  api: ApiResource,
  mode: 'client-credentials' | 'always',
): ResourceIndicators {
  const server: ResourceServerInfo = {
    scope: api.scopes.join(' '),
    accessTokenTTL: ACCESS_TOKEN_TTL_SECONDS,
    accessTokenFormat: 'jwt',
    jwt: { sign: { alg: 'RS256' } },
  };
  return {
    async defaultResource(ctx, _client, oneOf) {
      if (oneOf) return oneOf;
      if (mode === 'always') return api.indicator;
      if (ctx.oidc.route === 'token' && ctx.oidc.params?.grant_type === 'client_credentials')
        return api.indicator;
      return undefined;
    },
    async getResourceServerInfo(_ctx, indicator) {
      if (indicator !== api.indicator) {
        throw new errors.InvalidTarget(`unknown resource indicator; this IdP only serves ${api.indicator}`);
      }
      return server;
    },
  };
}
