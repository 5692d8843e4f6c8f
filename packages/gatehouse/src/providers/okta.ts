import type { JWTPayload } from 'jose';
import { ConfigurationError } from '../core/errors.ts';
import { text } from '../core/principal.ts';
import { keySource, type PresetOptions, type ProviderConfig, required, trimSlash } from './shared.ts';

export interface OktaOptions extends PresetOptions {
  /** A custom authorization server: `https://{org}.okta.com/oauth2/default` or `/oauth2/{id}`. */
  issuer: string;
}

/**
 * A client credentials token: Okta sets `sub` to the client id (`cid`) and binds no user, so `uid`
 * is absent; every user token carries `uid`. Users cannot remove `uid`, and `sub` of a user is
 * their Okta login, so a user whose login equals a client id is still a user. Source: Okta
 * developer documentation, "OpenID Connect & OAuth 2.0 API", access token claims (`cid`, `uid`:
 * not included when no user is bound to the token).
 */
function isClientCredentials(c: Readonly<JWTPayload>): boolean {
  return typeof c.cid === 'string' && c.sub === c.cid && c.uid === undefined;
}

/**
 * Okta custom authorization servers: `scp` array, client id in `cid`, user id in `uid`. The org
 * authorization server (`https://{org}.okta.com`) is refused: its access tokens are meant for
 * Okta itself and cannot be validated by an API.
 */
export function okta(options: OktaOptions): ProviderConfig {
  const issuer = trimSlash(required(options.issuer, 'okta.issuer'));
  if (!/\/oauth2\/[^/]+$/.test(new URL(issuer).pathname)) {
    throw new ConfigurationError(
      'okta.issuer',
      'must be a custom authorization server (…/oauth2/default or …/oauth2/{id})',
    );
  }
  return {
    issuers: [
      {
        name: `okta:${issuer}`,
        ...keySource(issuer, options),
        audience: options.audience ?? 'api://default',
        claims: {
          subject: (c) => text(c.uid) ?? text(c.sub),
          clientId: (c) => text(c.cid) ?? text(c.client_id),
          isApp: isClientCredentials,
        },
      },
    ],
  };
}
