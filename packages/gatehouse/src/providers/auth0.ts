import type { JWTPayload } from 'jose';
import { stringList, text } from '../core/principal.ts';
import {
  audienceOf,
  keySource,
  type PresetOptions,
  type ProviderConfig,
  required,
  trimSlash,
  union,
} from './shared.ts';

export interface Auth0Options extends PresetOptions {
  /** The tenant domain: `example.eu.auth0.com`, or a custom domain. */
  domain: string;
  /** The API identifier configured in Auth0 (required: Auth0 names no default). */
  audience: string | readonly string[];
}

/**
 * A client credentials token: Auth0 writes `gty: "client-credentials"` and the subject
 * `{client_id}@clients`, where `azp` is that client. `gty` and `sub` are among the claims Auth0
 * refuses to let Actions set, and user ids are `{connection}|{id}`, so no user reaches this shape.
 * Sources: Auth0 docs, "Client Credentials Flow" and "Create Custom Claims" (restricted claims).
 */
function isClientCredentials(c: Readonly<JWTPayload>): boolean {
  return c.gty === 'client-credentials' && typeof c.azp === 'string' && c.sub === `${c.azp}@clients`;
}

/**
 * Auth0: issuer `https://{domain}/` (with the trailing slash Auth0 uses), `scope` and the RBAC
 * `permissions` array both read as scopes, client id from `azp` or `client_id` (RFC 9068 profile).
 */
export function auth0(options: Auth0Options): ProviderConfig {
  const domain = required(options.domain, 'auth0.domain')
    .replace(/^https:\/\//, '')
    .replace(/\/+$/, '');
  const issuer = `${trimSlash(options.instance ?? `https://${domain}`)}/`;
  return {
    issuers: [
      {
        name: `auth0:${domain}`,
        ...keySource(issuer, options),
        audience: audienceOf(options, [], 'auth0'),
        claims: {
          scopes: (c) => union(stringList(c.scope), stringList(c.permissions)),
          clientId: (c) => text(c.azp) ?? text(c.client_id),
          isApp: isClientCredentials,
        },
      },
    ],
  };
}

/**
 * A custom claim as Auth0 Actions write it: namespaced (`https://example.com/email`), or plain
 * (allowed since 2022). Auth0's Node.js API sample (timesheets) reads the user's email this way.
 */
export function namespacedClaim(claims: Readonly<JWTPayload>, namespace: string, name: string): unknown {
  const prefix = namespace.endsWith('/') ? namespace : `${namespace}/`;
  return claims[`${prefix}${name}`] ?? claims[name];
}
