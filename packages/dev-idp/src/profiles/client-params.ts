import { API_RESOURCE, DELEGATED_SCOPES } from '../resource.ts';
import { DEV_AUTH0 } from './auth0.ts';
import { DEV_B2C } from './b2c.ts';
import type { ProfileName } from './types.ts';

/** What the token helpers send for each profile, as that provider's own clients would. */

const SIGN_IN = ['openid', 'offline_access'];

function words(scope: string | undefined): string[] {
  return (scope ?? '').split(' ').filter(Boolean);
}

/**
 * Authorization request parameters naming the API and its scopes. `scope` lists API scopes, bare
 * (`ToDoList.Read`) or already in the provider's form (`api://todo/ToDoList.Read`); the default is
 * every delegated scope of the profile's API (none for Keycloak, whose roles come regardless).
 */
export function authorizationParams(profile: ProfileName, scope: string | undefined): Record<string, string> {
  switch (profile) {
    case 'b2c': {
      const prefix = `${DEV_B2C.apiIdUri}/`;
      const api = words(scope ?? DEV_B2C.scopes.join(' ')).map((s) => (s.includes('://') ? s : prefix + s));
      return { scope: [...SIGN_IN, ...api].join(' ') };
    }
    case 'auth0':
      return {
        scope: [...SIGN_IN, 'profile', 'email', ...words(scope ?? DEV_AUTH0.scopes.join(' '))].join(' '),
        audience: DEV_AUTH0.audience,
      };
    case 'keycloak':
      return { scope: [...SIGN_IN, ...words(scope)].join(' ') };
    default: {
      const requested = [...SIGN_IN, ...words(scope ?? DELEGATED_SCOPES.join(' '))].join(' ');
      // Entra-style scopes name the API themselves; bare ones need RFC 8707's `resource`.
      return requested.includes('://') ? { scope: requested } : { scope: requested, resource: API_RESOURCE };
    }
  }
}

/** Client credentials parameters: the whole client grant unless `scope` narrows it. */
export function clientCredentialsParams(
  profile: ProfileName,
  scope: string | undefined,
): Record<string, string> {
  switch (profile) {
    case 'auth0':
      return { audience: DEV_AUTH0.audience, ...(scope ? { scope } : {}) };
    case 'keycloak':
    case 'b2c':
      return scope ? { scope } : {};
    default:
      return { scope: scope ?? `${API_RESOURCE}/.default` };
  }
}
