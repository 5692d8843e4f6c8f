import type { JWTPayload } from 'jose';
import {
  ConfigurationError,
  ForbiddenError,
  type GatehouseError,
  InsufficientScopeError,
  MissingTokenError,
} from './errors.ts';
import type { Principal } from './principal.ts';

/**
 * One authorization rule. `check` returns the error to answer with, or `undefined` when the
 * principal passes. Requirements are evaluated on every request, never cached.
 */
export interface Requirement {
  readonly description: string;
  check(principal: Principal): GatehouseError | undefined;
}

export type Match = 'any' | 'all';

function names(list: readonly string[], path: string): readonly string[] {
  if (
    !Array.isArray(list) ||
    list.length === 0 ||
    list.some((s) => typeof s !== 'string' || s.length === 0)
  ) {
    throw new ConfigurationError(path, 'must be a non-empty array of non-empty strings');
  }
  return Object.freeze([...list]);
}

function satisfied(held: readonly string[], needed: readonly string[], match: Match): boolean {
  // Exact, case-sensitive comparison: `ToDoList.ReadX` is not `ToDoList.Read`.
  return match === 'all' ? needed.every((n) => held.includes(n)) : needed.some((n) => held.includes(n));
}

/** Delegated scopes (`scp`/`scope`): any one of them (default) or all of them. */
export function requireScopes(scopes: readonly string[], options: { match?: Match } = {}): Requirement {
  const needed = names(scopes, 'requireScopes(scopes)');
  const match = options.match ?? 'any';
  return {
    description: `${match} of scopes ${needed.join(' ')}`,
    check: (p) =>
      satisfied(p.scopes, needed, match)
        ? undefined
        : new InsufficientScopeError({
            scope: needed,
            detail: `needs ${match} of scopes [${needed.join(' ')}]; token has [${p.scopes.join(' ')}]`,
          }),
  };
}

/** App permissions (`roles`): any one of them (default) or all of them. */
export function requireAppPermissions(
  permissions: readonly string[],
  options: { match?: Match } = {},
): Requirement {
  const needed = names(permissions, 'requireAppPermissions(permissions)');
  const match = options.match ?? 'any';
  return {
    description: `${match} of app permissions ${needed.join(' ')}`,
    check: (p) =>
      satisfied(p.roles, needed, match)
        ? undefined
        : new InsufficientScopeError({
            scope: needed,
            detail: `needs ${match} of app permissions [${needed.join(' ')}]; token has [${p.roles.join(' ')}]`,
          }),
  };
}

/**
 * Microsoft.Identity.Web's `RequiredScopeOrAppPermission`: a delegated token passes with any of
 * `scopes` in `scp`, an app token with any of `appPermissions` in `roles`.
 */
export function requireScopeOrAppPermission(options: {
  scopes: readonly string[];
  appPermissions: readonly string[];
}): Requirement {
  const scopes = names(options.scopes, 'requireScopeOrAppPermission(scopes)');
  const appPermissions = names(options.appPermissions, 'requireScopeOrAppPermission(appPermissions)');
  return {
    description: `any of scopes ${scopes.join(' ')} or app permissions ${appPermissions.join(' ')}`,
    check: (p) => {
      if (satisfied(p.scopes, scopes, 'any') || satisfied(p.roles, appPermissions, 'any')) return undefined;
      const needed = p.isApp ? appPermissions : scopes;
      return new InsufficientScopeError({
        scope: needed,
        detail:
          `needs any of scopes [${scopes.join(' ')}] or app permissions [${appPermissions.join(' ')}]; ` +
          `token has scopes [${p.scopes.join(' ')}] and roles [${p.roles.join(' ')}]`,
      });
    },
  };
}

/**
 * The default every route gets through the guard, as Microsoft.Identity.Web does: a token with
 * neither delegated scopes nor app permissions grants nothing to act on, so it is refused unless a
 * route says it authorizes by other means (`allowTokensWithoutScopes`). It reads the principal's
 * mapped lists, so a preset's sources (Auth0 `permissions`, Keycloak `realm_access.roles`) count.
 * 403 `insufficient_scope`, not 401: the token is genuine, and a new token of the same shape would
 * not help (RFC 6750 §3.1).
 */
export const requireSomeScopeOrAppPermission: Requirement = Object.freeze({
  description: 'some delegated scope or app permission',
  check: (p: Principal) =>
    p.scopes.length > 0 || p.roles.length > 0
      ? undefined
      : new InsufficientScopeError({
          scope: [],
          description: 'The token grants no scope or app permission',
          detail:
            'token has neither delegated scopes nor app permissions; the route does not allow such tokens',
        }),
});

/** A value `requireClaim` compares a claim with (or finds in an array claim). */
export type ClaimValue = string | number | boolean;

/**
 * A claim equal to a value (or, for array claims, containing it), or passing a predicate.
 * Failing answers 403: the token is genuine but not allowed here.
 */
export function requireClaim(
  name: string,
  expected: ClaimValue | ((value: unknown, claims: Readonly<JWTPayload>) => boolean),
  options: { description?: string } = {},
): Requirement {
  if (typeof name !== 'string' || name.length === 0)
    throw new ConfigurationError('requireClaim(name)', 'must be a non-empty string');
  const test =
    typeof expected === 'function'
      ? expected
      : (value: unknown) => value === expected || (Array.isArray(value) && value.includes(expected));
  const description =
    options.description ??
    (typeof expected === 'function'
      ? `claim ${name} passes a check`
      : `claim ${name} = ${JSON.stringify(expected)}`);
  return {
    description,
    check: (p) =>
      test(p.claims[name], p.claims)
        ? undefined
        : new ForbiddenError({
            // The required value stays in the log: it may name a tenant or group.
            description: `The token's ${name} claim does not meet this resource's requirement`,
            detail: `claim ${name} is ${JSON.stringify(p.claims[name]) ?? 'absent'}; required: ${description}`,
            claim: name,
            actual: p.claims[name],
          }),
  };
}

/** Throws the first failing requirement's error; a missing principal is a 401. */
export function authorize(
  principal: Principal | null | undefined,
  requirements: readonly Requirement[],
): Principal {
  if (!principal) throw new MissingTokenError();
  for (const requirement of requirements) {
    const failure = requirement.check(principal);
    if (failure) throw failure;
  }
  return principal;
}
