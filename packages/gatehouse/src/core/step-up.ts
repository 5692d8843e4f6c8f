import { ConfigurationError, InsufficientUserAuthenticationError } from './errors.ts';
import type { Requirement } from './policy.ts';
import type { Principal } from './principal.ts';

export interface AuthenticationRequirement {
  /**
   * Authentication context classes that will do, in order of preference; the token's must be one
   * of them (exact, case-sensitive). Read from `principal.authContext`: `acr` by default, Entra's
   * `acrs`, B2C's policy.
   */
  acr?: readonly string[];
  /** The longest time, in seconds, since the user last authenticated (`auth_time`). */
  maxAge?: number;
  /** Milliseconds since the epoch; tests inject a clock. @default Date.now */
  clock?: () => number;
}

/**
 * RFC 9470 step-up: the user must have signed in with one of `acr`, and/or within `maxAge`
 * seconds. A token that falls short is 401 `insufficient_user_authentication` naming what would
 * do (`acr_values`, `max_age`, §3), so the client can send the user back to the authorization
 * server with those very parameters (§4) and retry with the new token.
 *
 * A token without `auth_time` fails a `maxAge` requirement: its age cannot be known (§6.1 puts
 * `auth_time` in JWT access tokens for this very check).
 */
export function requireAuthentication(options: AuthenticationRequirement): Requirement {
  const { acr, maxAge } = options ?? {};
  if (acr === undefined && maxAge === undefined)
    throw new ConfigurationError('requireAuthentication', 'needs acr, maxAge or both');
  if (
    acr !== undefined &&
    (!Array.isArray(acr) ||
      acr.length === 0 ||
      acr.some((a) => typeof a !== 'string' || a.length === 0 || /[^\x21\x23-\x5b\x5d-\x7e]/.test(a)))
  )
    throw new ConfigurationError(
      'requireAuthentication(acr)',
      'must be a non-empty array of values without spaces, quotes or backslashes',
    );
  if (maxAge !== undefined && (!Number.isInteger(maxAge) || maxAge < 0))
    throw new ConfigurationError(
      'requireAuthentication(maxAge)',
      'must be a whole number of seconds, 0 or more',
    );
  const wanted = acr === undefined ? undefined : Object.freeze([...acr]);
  const clock = options.clock ?? Date.now;
  const parts = [
    ...(wanted ? [`acr ${wanted.join(' or ')}`] : []),
    ...(maxAge !== undefined ? [`authenticated within ${maxAge} s`] : []),
  ];
  return {
    description: parts.join(' and '),
    check: (p: Principal) => {
      const held = p.authContext ?? [];
      const acrOk = wanted === undefined || held.some((a) => wanted.includes(a));
      const authTime = p.claims.auth_time;
      const age = typeof authTime === 'number' ? Math.floor(clock() / 1000) - authTime : undefined;
      const ageOk = maxAge === undefined || (age !== undefined && age <= maxAge);
      if (acrOk && ageOk) return undefined;
      // Everything required is asked for, not only what failed: a fresh sign-in at a weaker level
      // would otherwise pass one check and fail the other on the next attempt.
      return new InsufficientUserAuthenticationError({
        description: acrOk
          ? 'More recent authentication is required'
          : 'A different authentication level is required',
        challenge: {
          ...(wanted ? { acrValues: wanted } : {}),
          ...(maxAge !== undefined ? { maxAge } : {}),
        },
        detail:
          `needs ${parts.join(' and ')}; token has acr [${held.join(' ')}]` +
          `, auth_time ${age === undefined ? 'absent' : `${age} s ago`}`,
        claim: acrOk ? 'auth_time' : 'acr',
      });
    },
  };
}
