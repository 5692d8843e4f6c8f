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
          isApp: (c) => c.gty === 'client-credentials',
        },
      },
    ],
  };
}

/**
 * A custom claim as Auth0 Actions write it: namespaced (`https://example.com/email`), or plain
 * (allowed since 2022). Seed 004 reads the user's email this way.
 */
export function namespacedClaim(claims: Readonly<JWTPayload>, namespace: string, name: string): unknown {
  const prefix = namespace.endsWith('/') ? namespace : `${namespace}/`;
  return claims[`${prefix}${name}`] ?? claims[name];
}
