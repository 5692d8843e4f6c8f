import type { ApiResource, Endpoint, Translation } from './api-resource.ts';
import { API_RESOURCE, DELEGATED_SCOPES } from './resource.ts';

/** The to-do API as the entra profile names it: `api://todo/ToDoList.Read`. */
export const ENTRA_API: ApiResource = {
  indicator: API_RESOURCE,
  scopes: DELEGATED_SCOPES,
  scopePrefix: `${API_RESOURCE}/`,
};

/**
 * Rewrites request parameters the way Microsoft Entra (and Azure AD B2C) read them into an RFC 8707
 * request that oidc-provider understands: `scope=api://todo/ToDoList.Read` (what MSAL sends) names
 * the resource inside the scope, so it becomes `resource=api://todo&scope=ToDoList.Read`. A bare API
 * scope without `resource` is pinned to the API too, since it is the only one.
 *
 * `.default` means "everything already granted": at the authorization endpoint that is every
 * delegated scope (dev clients are pre-consented); at the token endpoint it adds nothing, so
 * client credentials get the app's roles and a refresh keeps the refresh token's scopes.
 *
 * A request that already has `resource` is left alone.
 */
export function translatePrefixedScopes(
  params: URLSearchParams,
  endpoint: Endpoint,
  api: ApiResource,
): Translation {
  const prefix = api.scopePrefix ?? `${api.indicator}/`;
  const delegated = new Set(api.scopes);
  const scope = params.get('scope');
  if (scope === null || params.has('resource')) return 'unchanged';

  const requested = scope.split(' ').filter(Boolean);
  const prefixed = requested.some((value) => value.startsWith(prefix));
  if (!prefixed && !requested.some((value) => delegated.has(value))) return 'unchanged';

  const translated = new Set<string>();
  for (const value of requested) {
    if (endpoint === 'token' && value === 'offline_access') {
      // MSAL repeats it when refreshing; oidc-provider would refuse it as a scope the refresh
      // token lacks (it keeps offline_access only with prompt=consent).
    } else if (!value.startsWith(prefix)) {
      translated.add(value);
    } else if (value === `${prefix}.default`) {
      if (endpoint === 'authorization') for (const name of api.scopes) translated.add(name);
    } else {
      translated.add(value.slice(prefix.length));
    }
  }

  if (translated.size > 0) params.set('scope', [...translated].join(' '));
  else params.delete('scope');
  params.set('resource', api.indicator);
  return prefixed ? 'prefixed' : 'changed';
}

/** Token responses name API scopes with their prefix again (`api://todo/ToDoList.Read`), for MSAL's cache. */
export function toPrefixedScope(scope: string, api: ApiResource): string {
  const prefix = api.scopePrefix ?? `${api.indicator}/`;
  const delegated = new Set(api.scopes);
  return scope
    .split(' ')
    .filter(Boolean)
    .map((value) => (delegated.has(value) ? prefix + value : value))
    .join(' ');
}

/** `entra`: scopes were named Entra-style; `pinned`: only `resource` was added; `unchanged`. */
export type EntraTranslation = 'entra' | 'pinned' | 'unchanged';

/** translatePrefixedScopes for the to-do API (`api://todo/...`). */
export function translateEntraScopes(params: URLSearchParams, endpoint: Endpoint): EntraTranslation {
  const translation = translatePrefixedScopes(params, endpoint, ENTRA_API);
  return translation === 'prefixed' ? 'entra' : translation === 'changed' ? 'pinned' : 'unchanged';
}

/** Token responses name API scopes as Entra does (`api://todo/ToDoList.Read`), for MSAL's cache. */
export function toEntraScope(scope: string): string {
  return toPrefixedScope(scope, ENTRA_API);
}
