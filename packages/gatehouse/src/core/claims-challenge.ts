import {
  ConfigurationError,
  ForbiddenError,
  type GatehouseError,
  InsufficientClaimsError,
} from './errors.ts';
import { secureUrl } from './keys/url-policy.ts';
import type { Requirement } from './policy.ts';
import { type Principal, stringList } from './principal.ts';

/**
 * Microsoft's claims challenge, as described on the Microsoft identity platform page "Claims
 * challenges, claims requests and client capabilities" and sent by Microsoft.Identity.Web: a 401
 * whose challenge is `Bearer realm="...", authorization_uri="...", error="insufficient_claims",
 * claims="<base64 of the claims request JSON>"`. Only a client that declared the `cp1` capability
 * (it then finds `cp1` in the token's `xms_cc` claim) knows to pass `claims` back to the issuer;
 * any other client would retry with the same token forever, so it gets a plain 403 instead.
 */
export interface ClaimsChallengeOptions {
  /** The authorize endpoint the page says the challenge names (`authorization_uri`). */
  authorizationUri?: string;
  /** Safe for clients: the 403 description a client without `cp1` gets. */
  description?: string;
}

/** True when the token's `xms_cc` claim (string or array) holds `cp1`: the client handles claims challenges. */
export function isClaimsChallengeCapable(principal: Principal): boolean {
  return stringList(principal.claims.xms_cc).includes('cp1');
}

/** The claims request JSON, base64-encoded (standard alphabet, padded) as Microsoft's example shows. */
export function encodeClaims(claims: string | Readonly<Record<string, unknown>>): string {
  const json = typeof claims === 'string' ? claims : JSON.stringify(claims);
  try {
    const parsed: unknown = JSON.parse(json);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
      throw new Error('not an object');
  } catch {
    throw new ConfigurationError('claims', 'must be a JSON object (an OpenID Connect claims request)');
  }
  return Buffer.from(json, 'utf8').toString('base64');
}

/**
 * The error to answer a route with when the token lacks claims the issuer would add on request:
 * a 401 `insufficient_claims` challenge for a `cp1` client, a plain 403 for any other. Throw it
 * from a handler the adapter's error path sees, or return it from a `Requirement`.
 */
export function claimsChallenge(
  principal: Principal,
  claims: string | Readonly<Record<string, unknown>>,
  options: ClaimsChallengeOptions = {},
): GatehouseError {
  const encoded = encodeClaims(claims);
  if (!isClaimsChallengeCapable(principal)) {
    return new ForbiddenError({
      description:
        options.description ?? "The token does not meet this resource's authentication requirement",
      detail: 'claims challenge needed, but the client did not declare the cp1 capability (xms_cc)',
      claim: 'xms_cc',
      actual: principal.claims.xms_cc,
    });
  }
  const authorizationUri =
    options.authorizationUri === undefined
      ? undefined
      : secureUrl(options.authorizationUri, 'claimsChallenge(authorizationUri)').href;
  return new InsufficientClaimsError({
    challenge: { claims: encoded, ...(authorizationUri ? { authorizationUri } : {}) },
    detail: `claims challenge sent: ${Buffer.from(encoded, 'base64').toString('utf8')}`,
  });
}

/**
 * Entra Conditional Access authentication context: the token's `acrs` claim must hold `id`
 * (`c1` to `c99`); otherwise a claims challenge asking for it, as Microsoft's authentication
 * context guide shows: `{"access_token":{"acrs":{"essential":true,"value":"c1"}}}`.
 */
export function requireAuthContext(id: string, options: ClaimsChallengeOptions = {}): Requirement {
  if (typeof id !== 'string' || id.length === 0)
    throw new ConfigurationError('requireAuthContext(id)', 'must be a non-empty string');
  const request = { access_token: { acrs: { essential: true, value: id } } };
  if (options.authorizationUri !== undefined)
    secureUrl(options.authorizationUri, 'requireAuthContext(authorizationUri)');
  return {
    description: `authentication context ${id}`,
    check: (p) => (stringList(p.claims.acrs).includes(id) ? undefined : claimsChallenge(p, request, options)),
  };
}
