import { DEV_TENANT_ID } from '../accounts.ts';
import { shapeAccessToken } from '../claims.ts';
import { DEV_CLIENT_IDS } from '../clients.ts';
import { ENTRA_API, translateEntraScopes } from '../entra-scopes.ts';
import { microsoftRoutes, routes } from '../routes.ts';
import { below, routeTo } from './mount.ts';
import type { Authority, Profile } from './types.ts';

const translate: Authority['translate'] = (params, endpoint) => {
  const translation = translateEntraScopes(params, endpoint);
  return translation === 'entra' ? 'prefixed' : translation === 'pinned' ? 'changed' : 'unchanged';
};

/**
 * Entra v2 tokens. The issuer is the origin itself (what the to-do apps use); the same tokens are
 * also issued under Entra's own layout, issuer `${origin}/${DEV_TENANT_ID}/v2.0` with endpoints
 * under `/${DEV_TENANT_ID}/oauth2/v2.0/`, which is what Gatehouse's `entra` preset builds from
 * `instance`.
 */
export function entraProfile(origin: string): Profile {
  const common = {
    api: ENTRA_API,
    clients: Object.values(DEV_CLIENT_IDS),
    defaultResource: 'client-credentials',
    translate,
    shapeAccessToken,
  } as const;
  const root: Authority = {
    ...common,
    id: 'default',
    issuer: origin,
    mount: '',
    metadataUrl: `${origin}/.well-known/openid-configuration`,
    routes,
  };
  const tenantMount = `/${DEV_TENANT_ID}`;
  const tenant: Authority = {
    ...common,
    id: 'tenant',
    issuer: `${origin}${tenantMount}/v2.0`,
    mount: tenantMount,
    metadataUrl: `${origin}${tenantMount}/v2.0/.well-known/openid-configuration`,
    routes: microsoftRoutes,
  };
  return {
    name: 'entra',
    authorities: [root, tenant],
    route(url) {
      const rest = below(url.pathname, tenantMount);
      if (rest !== undefined) return routeTo(tenant, rest, url);
      return { authority: root, inner: `${url.pathname}${url.search}` };
    },
  };
}
