import type { DevUser } from '../accounts.ts';
import type { ApiResource, TranslateParams } from '../api-resource.ts';
import { DEV_CLIENT_IDS } from '../clients.ts';
import type { Routes } from '../routes.ts';
import type { Authority, Profile, ShapeAccessToken } from './types.ts';
import { apiScopes, oidcScopes, tokenClientId, tokenUser } from './users.ts';

const ALL = ['read:timesheets', 'create:timesheets', 'approve:timesheets'];

/** The development Auth0 tenant: the timesheets API of Auth0's "Mobile + API" tutorial, its permissions and who holds them. */
export const DEV_AUTH0 = {
  /** The API identifier: clients send it as `audience`; tokens carry it in `aud`. */
  audience: 'https://api.exampleco.com/timesheets',
  /** Namespace of the custom claims an Auth0 Action adds: `${namespace}email`. */
  namespace: 'https://api.exampleco.com/',
  scopes: ALL,
  /** RBAC: each user's permissions on the API (`permissions` claim; `scope` is limited to them). */
  userPermissions: {
    alice: ALL,
    bob: ['read:timesheets', 'create:timesheets'],
  } as Readonly<Record<string, readonly string[]>>,
  /** Machine-to-machine client grants. */
  appPermissions: {
    [DEV_CLIENT_IDS.daemon]: ['read:timesheets', 'create:timesheets'],
    [DEV_CLIENT_IDS.daemonCert]: ['read:timesheets', 'create:timesheets'],
    [DEV_CLIENT_IDS.daemonReadOnly]: ['read:timesheets'],
  } as Readonly<Record<string, readonly string[]>>,
} as const;

const API: ApiResource = { indicator: DEV_AUTH0.audience, scopes: DEV_AUTH0.scopes };

const routes: Routes = {
  authorization: '/authorize',
  token: '/oauth/token',
  jwks: '/.well-known/jwks.json',
  endSession: '/oidc/logout',
  revocation: '/oauth/revoke',
  userinfo: '/userinfo',
  interaction: '/u/login',
};

/** Auth0's database-connection user ids: `auth0|` and 24 hex digits. */
export function auth0UserId(user: DevUser): string {
  return `auth0|${user.oid.replaceAll('-', '').slice(0, 24)}`;
}

/**
 * Auth0 names the API with `audience`, not RFC 8707's `resource`; API scopes without either are for
 * the (only) API, as a tenant's default audience would make them.
 */
const translate: TranslateParams = (params) => {
  if (params.has('resource')) return 'unchanged';
  const audience = params.get('audience');
  params.delete('audience');
  const scopes = (params.get('scope') ?? '').split(' ');
  if (audience !== null) params.set('resource', audience);
  else if (scopes.some((scope) => API.scopes.includes(scope))) params.set('resource', API.indicator);
  else return 'unchanged';
  return 'changed';
};

const shapeAccessToken: ShapeAccessToken = (ctx, token, jwt) => {
  const { iss, iat, exp, jti } = jwt.payload;
  // A DPoP-bound token keeps its binding (RFC 9449 §6.1), whatever else the shape replaces.
  const bound = jwt.payload.cnf === undefined ? {} : { cnf: jwt.payload.cnf };
  const clientId = tokenClientId(token);
  const requested = apiScopes(token, API.scopes);
  jwt.header = { typ: 'JWT' };
  if (!token.accountId) {
    // Client credentials: every permission of the client grant unless the request narrowed them.
    const granted = DEV_AUTH0.appPermissions[clientId] ?? [];
    const scope = requested.length > 0 ? requested.filter((s) => granted.includes(s)) : [...granted];
    jwt.payload = {
      iss,
      sub: `${clientId}@clients`,
      aud: API.indicator,
      iat,
      exp,
      scope: scope.join(' '),
      gty: 'client-credentials',
      azp: clientId,
      permissions: scope,
      jti,
      ...bound,
    };
    return;
  }
  const user = tokenUser(token.accountId);
  const permissions = DEV_AUTH0.userPermissions[user.username] ?? [];
  const oidc = oidcScopes(ctx);
  jwt.payload = {
    // What the tutorial's Auth0 rule adds: context.accessToken[namespace + 'email'] = user.email.
    [`${DEV_AUTH0.namespace}email`]: user.email,
    iss,
    sub: auth0UserId(user),
    // With openid, Auth0 tokens are good for its /userinfo too.
    aud: oidc.includes('openid') ? [API.indicator, `${iss}userinfo`] : API.indicator,
    iat,
    exp,
    // RBAC on: the scopes asked for, limited to the user's permissions.
    scope: [...oidc, ...requested.filter((s) => permissions.includes(s))].join(' '),
    azp: clientId,
    permissions: [...permissions],
    jti,
    ...bound,
  };
};

/** Auth0: issuer `${origin}/` (trailing slash), `scope` and RBAC `permissions`, a namespaced email claim. */
export function auth0Profile(origin: string): Profile {
  const authority: Authority = {
    id: 'auth0',
    issuer: `${origin}/`,
    mount: '',
    metadataUrl: `${origin}/.well-known/openid-configuration`,
    routes,
    api: API,
    clients: Object.values(DEV_CLIENT_IDS),
    defaultResource: 'client-credentials',
    translate,
    shapeAccessToken,
  };
  return {
    name: 'auth0',
    authorities: [authority],
    route: (url) => ({ authority, inner: `${url.pathname}${url.search}` }),
  };
}
