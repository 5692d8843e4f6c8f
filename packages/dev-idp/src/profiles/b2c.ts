import type { Middleware } from 'oidc-provider';
import type { ApiResource } from '../api-resource.ts';
import { DEV_CLIENT_IDS } from '../clients.ts';
import { translatePrefixedScopes } from '../entra-scopes.ts';
import { microsoftRoutes } from '../routes.ts';
import { below, requestedUrls, routeTo } from './mount.ts';
import type { Authority, Profile, ShapeAccessToken } from './types.ts';
import { apiScopes, tokenClientId, tokenUser } from './users.ts';

/** The development Azure AD B2C tenant: names, ids, the API and its user flows (policies). */
export const DEV_B2C = {
  /** `gatehousedev.onmicrosoft.com`, as in B2C's URLs. */
  tenantName: 'gatehousedev',
  /** The directory id B2C puts in its issuer. */
  tenantId: '7c4e1d2b-9a3f-4e6d-8b2a-5f1c0e9d3a47',
  /** The API's application (client) id: the `aud` of its tokens. */
  apiClientId: 'a3d9c1e7-52b4-4f8e-9d06-3b7e1c2f4a58',
  /** The API's App ID URI: clients request `${apiIdUri}/tasks.read`. */
  apiIdUri: 'https://gatehousedev.onmicrosoft.com/tasks-api',
  scopes: ['tasks.read', 'tasks.write'],
  /** User flows; the first is the default. */
  policies: ['B2C_1_signupsignin1', 'B2C_1_mfa'],
} as const;

const API: ApiResource = {
  indicator: DEV_B2C.apiIdUri,
  scopes: DEV_B2C.scopes,
  scopePrefix: `${DEV_B2C.apiIdUri}/`,
};

const TENANT_SEGMENT = `/${DEV_B2C.tenantName}.onmicrosoft.com`;

/** Shapes a token the way a B2C user flow does: `tfp`, `ver` 1.0, `aud` the API's client id. */
function shapeFor(policy: string): ShapeAccessToken {
  return (_ctx, token, jwt) => {
    const { iss, iat, exp, jti } = jwt.payload;
    // A DPoP-bound token keeps its binding (RFC 9449 §6.1), whatever else the shape replaces.
    const bound = jwt.payload.cnf === undefined ? {} : { cnf: jwt.payload.cnf };
    const clientId = tokenClientId(token);
    if (!token.accountId) throw new Error('dev-idp: B2C user flows issue user tokens only');
    const user = tokenUser(token.accountId);
    const scp = apiScopes(token, DEV_B2C.scopes);
    jwt.header = { typ: 'JWT' };
    jwt.payload = {
      iss,
      exp,
      nbf: iat,
      aud: DEV_B2C.apiClientId,
      // B2C user flows put the user's object id in sub (and in oid when the flow selects it).
      sub: user.oid,
      oid: user.oid,
      name: user.name,
      emails: [user.email],
      tfp: policy,
      ...(scp.length > 0 ? { scp: scp.join(' ') } : {}),
      azp: clientId,
      ver: '1.0',
      iat,
      jti,
      ...bound,
    };
  };
}

/**
 * A `?p=` discovery document names `?p=` endpoints, as B2C's does: the policy in the query of the
 * tenant-level paths instead of in the path.
 */
function policyQueryDiscovery(authority: Authority, policy: string): Middleware {
  return async (ctx, next) => {
    await next();
    const requested = requestedUrls.get(ctx.req);
    if (ctx.path !== '/.well-known/openid-configuration' || !requested?.searchParams.has('p')) return;
    const body = ctx.body;
    if (typeof body !== 'object' || body === null) return;
    const document = body as Record<string, unknown>;
    for (const [key, value] of Object.entries(document)) {
      if (key === 'issuer' || typeof value !== 'string') continue;
      const url = URL.parse(value);
      const rest = url ? below(url.pathname, authority.mount) : undefined;
      if (!url || rest === undefined) continue;
      url.pathname = `${TENANT_SEGMENT}${rest}`;
      url.searchParams.set('p', policy.toLowerCase());
      document[key] = url.href;
    }
  };
}

function policyAuthority(origin: string, policy: string): Authority {
  const mount = `${TENANT_SEGMENT}/${policy}`;
  const authority: Authority = {
    id: policy,
    issuer: `${origin}/${DEV_B2C.tenantId}/v2.0/`,
    mount,
    metadataUrl: `${origin}${mount}/v2.0/.well-known/openid-configuration`,
    routes: microsoftRoutes,
    api: API,
    // B2C user flows serve users: the public clients only.
    clients: [DEV_CLIENT_IDS.web, DEV_CLIENT_IDS.docs, DEV_CLIENT_IDS.cli],
    label: policy,
    defaultResource: 'client-credentials',
    translate: (params, endpoint) => translatePrefixedScopes(params, endpoint, API),
    shapeAccessToken: shapeFor(policy),
  };
  return { ...authority, middleware: [policyQueryDiscovery(authority, policy)] };
}

/** The `?p=` form of a policy's metadata URL (the path form is the authority's `metadataUrl`). */
export function b2cQueryMetadataUrl(origin: string, policy: string): string {
  return `${origin}${TENANT_SEGMENT}/v2.0/.well-known/openid-configuration?p=${encodeURIComponent(policy)}`;
}

/**
 * Azure AD B2C: one issuer `${origin}/${tenantId}/v2.0/` shared by every user flow, each flow with
 * its own endpoints under `/${tenantName}.onmicrosoft.com/${policy}/` (or the tenant-level paths
 * with `?p=${policy}`), so the client picks the policy with the URL it sends the user to.
 */
export function b2cProfile(origin: string): Profile {
  const authorities = DEV_B2C.policies.map((policy) => policyAuthority(origin, policy));
  const byPolicy = (name: string | null) =>
    authorities.find((authority) => authority.id.toLowerCase() === name?.toLowerCase());
  return {
    name: 'b2c',
    authorities,
    route(url) {
      // B2C accepts the tenant's name or its id in the path.
      const rest = below(url.pathname, TENANT_SEGMENT) ?? below(url.pathname, `/${DEV_B2C.tenantId}`);
      if (rest === undefined) return undefined;
      const [, first = ''] = rest.split('/');
      const inPath = byPolicy(first);
      if (inPath) return routeTo(inPath, rest.slice(first.length + 1) || '/', url, ['p']);
      const inQuery = byPolicy(url.searchParams.get('p'));
      return inQuery ? routeTo(inQuery, rest, url, ['p']) : undefined;
    },
  };
}
