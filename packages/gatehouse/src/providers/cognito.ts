import type { JWTPayload } from 'jose';
import { stringList, text } from '../core/principal.ts';
import { keySource, type PresetOptions, type ProviderConfig, required, trimSlash } from './shared.ts';

export interface CognitoOptions extends Omit<PresetOptions, 'audience'> {
  /** e.g. `us-east-1`. */
  region: string;
  /** e.g. `us-east-1_AbCdEf123`. */
  userPoolId: string;
  /** App client id(s) allowed to call: Cognito access tokens carry `client_id`, not `aud`. */
  clientId: string | readonly string[];
}

/**
 * A machine-to-machine (client credentials) token: Cognito sets `sub` to the app client id and
 * names no user, so `username` is absent. A user's `sub` is a UUID Cognito generates and every
 * user access token carries `username`, so users can choose neither. Source: Amazon Cognito
 * Developer Guide, "Understanding the access token" and "Scopes, M2M, and APIs with resource
 * servers".
 */
function isClientCredentials(c: Readonly<JWTPayload>): boolean {
  return typeof c.client_id === 'string' && c.sub === c.client_id && c.username === undefined;
}

/**
 * Amazon Cognito user pools: issuer `https://cognito-idp.{region}.amazonaws.com/{userPoolId}`,
 * no `aud` in access tokens (the app client is `client_id`), `token_use: "access"` required so an
 * ID token is refused, groups from `cognito:groups` as roles.
 */
export function cognito(options: CognitoOptions): ProviderConfig {
  const region = required(options.region, 'cognito.region');
  const pool = required(options.userPoolId, 'cognito.userPoolId');
  const issuer = `${trimSlash(options.instance ?? `https://cognito-idp.${region}.amazonaws.com`)}/${pool}`;
  return {
    issuers: [
      {
        name: `cognito:${pool}`,
        ...keySource(issuer, options),
        audience: options.clientId,
        audienceClaim: 'client_id',
        claims: {
          clientId: (c) => text(c.client_id),
          roles: (c) => stringList(c['cognito:groups']),
          isApp: isClientCredentials,
        },
        validate: (c) =>
          c.token_use === 'access'
            ? undefined
            : `token_use ${JSON.stringify(c.token_use) ?? 'absent'} is not "access"`,
      },
    ],
  };
}
