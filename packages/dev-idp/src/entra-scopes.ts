import { API_RESOURCE, DELEGATED_SCOPES } from './resource.ts';

const prefix = `${API_RESOURCE}/`;
const delegated = new Set(DELEGATED_SCOPES);

export type Endpoint = 'authorization' | 'token';

/** `entra`: scopes were named Entra-style; `pinned`: only `resource` was added; `unchanged`. */
export type Translation = 'entra' | 'pinned' | 'unchanged';

/**
 * Rewrites request parameters the way Microsoft Entra reads them into an RFC 8707 request that
 * oidc-provider understands: `scope=api://todo/ToDoList.Read` (what MSAL sends) names the resource
 * inside the scope, so it becomes `resource=api://todo&scope=ToDoList.Read`. A bare API scope
 * without `resource` is pinned to the API too, since it is the only one.
 *
 * `.default` means "everything already granted": at the authorization endpoint that is every
 * delegated scope (dev clients are pre-consented); at the token endpoint it adds nothing, so
 * client credentials get the app's roles and a refresh keeps the refresh token's scopes.
 *
 * A request that already has `resource` is left alone.
 */
export function translateEntraScopes(params: URLSearchParams, endpoint: Endpoint): Translation {
  const scope = params.get('scope');
  if (scope === null || params.has('resource')) return 'unchanged';

  const requested = scope.split(' ').filter(Boolean);
  const entra = requested.some((value) => value.startsWith(prefix));
  if (!entra && !requested.some((value) => delegated.has(value))) return 'unchanged';

  const translated = new Set<string>();
  for (const value of requested) {
    if (endpoint === 'token' && value === 'offline_access') {
      // MSAL repeats it when refreshing; oidc-provider would refuse it as a scope the refresh
      // token lacks (it keeps offline_access only with prompt=consent).
    } else if (!value.startsWith(prefix)) {
      translated.add(value);
    } else if (value === `${prefix}.default`) {
      if (endpoint === 'authorization') for (const name of DELEGATED_SCOPES) translated.add(name);
    } else {
      translated.add(value.slice(prefix.length));
    }
  }

  if (translated.size > 0) params.set('scope', [...translated].join(' '));
  else params.delete('scope');
  params.set('resource', API_RESOURCE);
  return entra ? 'entra' : 'pinned';
}

/** Token responses name API scopes as Entra does (`api://todo/ToDoList.Read`), for MSAL's cache. */
export function toEntraScope(scope: string): string {
  return scope
    .split(' ')
    .filter(Boolean)
    .map((value) => (delegated.has(value) ? prefix + value : value))
    .join(' ');
}
