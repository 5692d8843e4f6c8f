import { tagForRequest } from './dpop/challenge.ts';
import type { RequestLike } from './extract.ts';
import type { Gatehouse } from './gatehouse-api.ts';
import { type Requirement, requireSomeScopeOrAppPermission } from './policy.ts';
import type { Principal } from './principal.ts';

/** What a route asks of its caller; every adapter takes this same shape. */
export interface RouteAuth {
  /** Requirements a caller with a token must meet (scopes, app permissions, claims). */
  require?: readonly Requirement[];
  /** Anonymous callers pass as `null` and skip `require`; a present but invalid token is still refused. */
  optional?: boolean;
  /**
   * Accept a valid token that carries neither delegated scopes nor app permissions. Off by default:
   * such a token is 403 `insufficient_scope` unless the route authorizes by other means (claims,
   * its own access list) and says so here. An empty `require` does not imply it.
   */
  allowTokensWithoutScopes?: boolean;
}

/**
 * Authenticates, then authorizes: the one decision every adapter delegates. Calls `pass` with the
 * caller, or `refuse` with a `GatehouseError`; for a token the verified-token cache holds, before
 * returning (no promise hops), otherwise once verification ends.
 */
export function guardThen(
  gatehouse: Gatehouse,
  request: RequestLike,
  route: RouteAuth,
  pass: (principal: Principal | null) => void,
  refuse: (error: unknown) => void,
): void {
  const decide = (principal: Principal | null): void => {
    if (principal !== null) {
      try {
        // The route's own requirements first: their answer names the scope a client should ask for.
        if (route.require && route.require.length > 0) gatehouse.authorize(principal, route.require);
        if (route.allowTokensWithoutScopes !== true) {
          const failure = requireSomeScopeOrAppPermission.check(principal);
          if (failure) throw failure;
        }
      } catch (error) {
        // DPoP (RFC 9449 §7.1): a 403 to a DPoP request challenges with the DPoP scheme.
        refuse(tagForRequest(error, request));
        return;
      }
    }
    pass(principal);
  };
  let outcome: Principal | null | Promise<Principal | null>;
  try {
    outcome = gatehouse.authenticateNow(request, { optional: route.optional === true });
  } catch (error) {
    refuse(error);
    return;
  }
  if (outcome instanceof Promise) outcome.then(decide, refuse);
  else decide(outcome);
}

/** `guardThen` as a promise. Rejects with a `GatehouseError`. */
export function guard(
  gatehouse: Gatehouse,
  request: RequestLike,
  route: RouteAuth = {},
): Promise<Principal | null> {
  return new Promise((resolve, reject) => guardThen(gatehouse, request, route, resolve, reject));
}
