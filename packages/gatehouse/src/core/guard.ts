import type { RequestLike } from './extract.ts';
import type { Gatehouse } from './gatehouse.ts';
import type { Requirement } from './policy.ts';
import type { Principal } from './principal.ts';

/** What a route asks of its caller; every adapter takes this same shape. */
export interface RouteAuth {
  /** Requirements a caller with a token must meet (scopes, app permissions, claims). */
  require?: readonly Requirement[];
  /** Anonymous callers pass as `null` and skip `require`; a present but invalid token is still refused. */
  optional?: boolean;
}

/** Authenticates, then authorizes: the one decision every adapter delegates. Throws a `GatehouseError`. */
export async function guard(
  gatehouse: Gatehouse,
  request: RequestLike,
  route: RouteAuth = {},
): Promise<Principal | null> {
  const principal = await gatehouse.authenticate(request, { optional: route.optional === true });
  if (principal === null) return null;
  if (route.require && route.require.length > 0) gatehouse.authorize(principal, route.require);
  return principal;
}

/**
 * `guard` without waiting, for a token the verified-token cache holds: the principal once the
 * requirements pass, or `undefined` when the full (asynchronous) `guard` must decide. Throws like
 * `guard` when a requirement fails. Saves a cached request the promise hops of the full path.
 */
export function guardCached(
  gatehouse: Gatehouse,
  request: RequestLike,
  route: RouteAuth = {},
): Principal | undefined {
  const principal = gatehouse.cached(request);
  if (principal === undefined) return undefined;
  if (route.require && route.require.length > 0) gatehouse.authorize(principal, route.require);
  return principal;
}
