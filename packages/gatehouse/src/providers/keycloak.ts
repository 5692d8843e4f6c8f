import type { JWTPayload } from 'jose';
import { stringList } from '../core/principal.ts';
import { keySource, type PresetOptions, type ProviderConfig, required, trimSlash, union } from './shared.ts';

export interface KeycloakOptions extends PresetOptions {
  /** Server base URL, e.g. `https://sso.example.com` (older servers: `https://sso.example.com/auth`). */
  url: string;
  realm: string;
  /** The API's client id: default audience (add an audience mapper in Keycloak) and source of client roles. */
  clientId: string;
}

function clientRoles(claims: Readonly<JWTPayload>, clientId: string): string[] {
  const access = claims.resource_access as Record<string, { roles?: unknown }> | undefined;
  return stringList(access?.[clientId]?.roles);
}

/**
 * A service-account (client credentials) token, told only from claims no user can choose.
 * Keycloak's service-account protocol mappers copy a session note that only the client
 * credentials grant writes: current releases emit it as `client_id` (with `clientHost` and
 * `clientAddress`), older ones as `clientId`; `azp` is the same client in both. No Keycloak
 * default mapper puts either claim in a user's token. `preferred_username` is never read: users
 * pick their usernames (self-registration, email as username), so `service-account-…` proves
 * nothing. Sources: Keycloak Server Administration Guide, "Using a service account"; Keycloak
 * javadoc, `org.keycloak.common.constants.ServiceAccountConstants` (`CLIENT_ID`, `CLIENT_HOST`,
 * `CLIENT_ADDRESS` session notes and their protocol mappers).
 */
function isServiceAccount(c: Readonly<JWTPayload>): boolean {
  const client = c.client_id !== undefined ? c.client_id : c.clientId;
  return typeof client === 'string' && client.length > 0 && client === c.azp;
}

/**
 * Keycloak: issuer `{url}/realms/{realm}`; roles from `realm_access.roles` and
 * `resource_access.{clientId}.roles`; only access tokens (payload `typ: "Bearer"`).
 */
export function keycloak(options: KeycloakOptions): ProviderConfig {
  const url = trimSlash(required(options.url, 'keycloak.url'));
  const realm = required(options.realm, 'keycloak.realm');
  const clientId = required(options.clientId, 'keycloak.clientId');
  const issuer = `${trimSlash(options.instance ?? url)}/realms/${encodeURIComponent(realm)}`;
  return {
    issuers: [
      {
        name: `keycloak:${realm}`,
        ...keySource(issuer, options),
        audience: options.audience ?? clientId,
        claims: {
          roles: (c) =>
            union(
              stringList((c.realm_access as { roles?: unknown } | undefined)?.roles),
              clientRoles(c, clientId),
            ),
          isApp: isServiceAccount,
        },
        validate: (c) =>
          c.typ === undefined || c.typ === 'Bearer'
            ? undefined
            : `Keycloak token typ ${JSON.stringify(c.typ)} is not an access token (Bearer)`,
      },
    ],
  };
}
