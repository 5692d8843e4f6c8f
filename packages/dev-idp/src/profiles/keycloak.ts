import { createHash } from 'node:crypto';
import type { ApiResource } from '../api-resource.ts';
import { DEV_CLIENT_IDS } from '../clients.ts';
import type { Routes } from '../routes.ts';
import { below, routeTo } from './mount.ts';
import type { Authority, Profile, ShapeAccessToken } from './types.ts';
import { oidcScopes, tokenClientId, tokenUser } from './users.ts';

interface KeycloakRoles {
  readonly realm: readonly string[];
  /** Roles of the API's client (`resource_access.todo-api.roles`). */
  readonly client: readonly string[];
}

/** The development Keycloak realm: its API client and who holds which roles. */
export const DEV_KEYCLOAK = {
  realm: 'gatehouse',
  /** The API's client id: the `aud` of the tokens and the key under `resource_access`. */
  clientId: 'todo-api',
  /** Realm roles every user has (Keycloak's defaults). */
  defaultRealmRoles: ['default-roles-gatehouse', 'offline_access', 'uma_authorization'],
  userRoles: {
    alice: { realm: ['todo-admin'], client: ['todo.read', 'todo.write'] },
    bob: { realm: [], client: ['todo.read'] },
  } as Readonly<Record<string, KeycloakRoles>>,
  /** Service-account roles of the confidential clients. */
  appRoles: {
    [DEV_CLIENT_IDS.daemon]: { realm: [], client: ['todo.read', 'todo.write'] },
    [DEV_CLIENT_IDS.daemonCert]: { realm: [], client: ['todo.read', 'todo.write'] },
    [DEV_CLIENT_IDS.daemonReadOnly]: { realm: [], client: ['todo.read'] },
  } as Readonly<Record<string, KeycloakRoles>>,
} as const;

// Keycloak has no resource parameter; internally every token is for this indicator.
const API: ApiResource = { indicator: `urn:dev-idp:keycloak:${DEV_KEYCLOAK.clientId}`, scopes: [] };

const routes: Routes = {
  authorization: '/protocol/openid-connect/auth',
  token: '/protocol/openid-connect/token',
  jwks: '/protocol/openid-connect/certs',
  endSession: '/protocol/openid-connect/logout',
  revocation: '/protocol/openid-connect/revoke',
  userinfo: '/protocol/openid-connect/userinfo',
  interaction: '/login-actions/authenticate',
};

const ACCOUNT_ROLES = ['manage-account', 'manage-account-links', 'view-profile'];

function access(roles: KeycloakRoles) {
  return {
    realm_access: { roles: [...DEV_KEYCLOAK.defaultRealmRoles, ...roles.realm] },
    resource_access: {
      // Keycloak adds a client to `aud` when the token carries roles of it.
      ...(roles.client.length > 0 ? { [DEV_KEYCLOAK.clientId]: { roles: [...roles.client] } } : {}),
      account: { roles: ACCOUNT_ROLES },
    },
  };
}

function audience(roles: KeycloakRoles): string[] {
  return roles.client.length > 0 ? [DEV_KEYCLOAK.clientId, 'account'] : ['account'];
}

/** A stable UUID for a service account, derived from its client id. */
function serviceAccountId(clientId: string): string {
  const hex = createHash('sha256').update(clientId).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

const shapeAccessToken: ShapeAccessToken = (ctx, token, jwt) => {
  const { iss, iat, exp, jti } = jwt.payload;
  // A DPoP-bound token keeps its binding (RFC 9449 §6.1), whatever else the shape replaces.
  const bound = jwt.payload.cnf === undefined ? {} : { cnf: jwt.payload.cnf };
  const clientId = tokenClientId(token);
  jwt.header = { typ: 'JWT' };
  if (!token.accountId) {
    const roles = DEV_KEYCLOAK.appRoles[clientId] ?? { realm: [], client: [] };
    jwt.payload = {
      exp,
      iat,
      jti,
      iss,
      aud: audience(roles),
      sub: serviceAccountId(clientId),
      typ: 'Bearer',
      azp: clientId,
      acr: '1',
      ...access(roles),
      scope: 'profile email',
      // The service_account client scope's three mappers, as current Keycloak writes them.
      clientHost: ctx.req.socket.remoteAddress ?? 'unknown',
      email_verified: false,
      preferred_username: `service-account-${clientId}`,
      clientAddress: ctx.req.socket.remoteAddress ?? 'unknown',
      client_id: clientId,
      ...bound,
    };
    return;
  }
  const user = tokenUser(token.accountId);
  const roles = DEV_KEYCLOAK.userRoles[user.username] ?? { realm: [], client: [] };
  const [givenName = user.name, ...family] = user.name.split(' ');
  // Keycloak's default client scopes (profile, email) are always in.
  const scope = new Set([...oidcScopes(ctx).filter((s) => s === 'openid'), 'profile', 'email']);
  jwt.payload = {
    exp,
    iat,
    jti,
    iss,
    aud: audience(roles),
    sub: user.oid,
    typ: 'Bearer',
    azp: clientId,
    acr: '1',
    ...access(roles),
    scope: [...scope].join(' '),
    email_verified: true,
    name: user.name,
    preferred_username: user.username,
    given_name: givenName,
    family_name: family.join(' '),
    email: user.email,
    ...bound,
  };
};

/** Keycloak: issuer `${origin}/realms/${realm}`, realm and client roles, payload `typ: "Bearer"`. */
export function keycloakProfile(origin: string): Profile {
  const mount = `/realms/${DEV_KEYCLOAK.realm}`;
  const authority: Authority = {
    id: DEV_KEYCLOAK.realm,
    issuer: `${origin}${mount}`,
    mount,
    metadataUrl: `${origin}${mount}/.well-known/openid-configuration`,
    routes,
    api: API,
    clients: Object.values(DEV_CLIENT_IDS),
    label: `realm ${DEV_KEYCLOAK.realm}`,
    defaultResource: 'always',
    translate: () => 'unchanged',
    shapeAccessToken,
  };
  return {
    name: 'keycloak',
    authorities: [authority],
    route(url) {
      const rest = below(url.pathname, mount);
      return rest === undefined ? undefined : routeTo(authority, rest, url);
    },
  };
}
