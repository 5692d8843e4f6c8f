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
          // Keycloak service accounts get roles but no user scopes beyond profile/email.
          isApp: (c) =>
            typeof c.clientId === 'string' ||
            (typeof c.preferred_username === 'string' && c.preferred_username.startsWith('service-account-')),
        },
        validate: (c) =>
          c.typ === undefined || c.typ === 'Bearer'
            ? undefined
            : `Keycloak token typ ${JSON.stringify(c.typ)} is not an access token (Bearer)`,
      },
    ],
  };
}
