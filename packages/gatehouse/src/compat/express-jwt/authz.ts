/**
 * express-jwt-authz's `jwtAuthz`, decided by the core's `requireScopes`: the same rule, and the
 * same exact, case-sensitive matching, as `authorize`/`requireScopes` on every adapter.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { challengeContextOf } from '../../adapters/challenge-contexts.ts';
// For the `req.principal` declaration the Express adapter makes.
import type {} from '../../adapters/express.ts';
import type { ChallengeContext } from '../../core/challenge.ts';
import type { GatehouseError } from '../../core/errors.ts';
import { requireScopes } from '../../core/policy.ts';
import { type Principal, stringList } from '../../core/principal.ts';
import { challengeHeaders } from './errors.ts';
import { checkKeys, refuse } from './refuse.ts';

export interface JwtAuthzOptions {
  /** Require every listed scope rather than any one. @default false */
  checkAllScopes?: boolean;
  /** The claim holding scopes; Auth0 RBAC: 'permissions'. @default 'scope' */
  customScopeKey?: string;
  /** Where the claims are on the request. @default 'user' (then 'auth', where expressjwt() puts them) */
  customUserKey?: string;
  /** Pass a 403 error to `next()` instead of answering. @default false */
  failWithError?: boolean;
}

const AUTHZ_OPTIONS = ['checkAllScopes', 'customScopeKey', 'customUserKey', 'failWithError'];

/** express-jwt-authz's refusal with `failWithError`: a 403 for the application's error handler. */
export class InsufficientScopeHttpError extends Error {
  override readonly name = 'InsufficientScopeError';
  readonly status = 403;
  readonly statusCode = 403;
  readonly error = 'Forbidden';
  readonly headers: Record<string, string>;
  readonly inner: GatehouseError;
  constructor(inner: GatehouseError, headers: Record<string, string>) {
    super('Insufficient scope');
    this.inner = inner;
    this.headers = headers;
    this.stack = `${this.name}: ${this.message}`;
  }
}

/** lodash.get as express-jwt-authz reads keys: the key as it is, else a dotted path. */
function lookup(holder: unknown, key: string): unknown {
  if (typeof holder !== 'object' || holder === null) return undefined;
  const record = holder as Record<string, unknown>;
  if (Object.hasOwn(record, key)) return record[key];
  let at: unknown = holder;
  for (const segment of key.split('.')) {
    if (typeof at !== 'object' || at === null || !Object.hasOwn(at, segment)) return undefined;
    at = (at as Record<string, unknown>)[segment];
  }
  return at;
}

/** jwtAuthz after middleware other than Gatehouse's: Gatehouse's default realm. */
const DEFAULT_CONTEXT: ChallengeContext = Object.freeze({ realm: 'api' });

const NOBODY: Principal = Object.freeze({
  subject: '',
  issuer: '',
  issuerSubject: '',
  tenant: undefined,
  clientId: undefined,
  scopes: [],
  roles: [],
  isApp: false,
  policy: undefined,
  expiresAt: 0,
  claims: {},
});

/**
 * express-jwt-authz's scope check, decided by the core policy (`requireScopes`). Refused: 403
 * with body `Insufficient scope` and an RFC 6750 `insufficient_scope` challenge naming the scopes.
 */
export function jwtAuthz(expectedScopes: string[], options: JwtAuthzOptions = {}): RequestHandler {
  if (!Array.isArray(expectedScopes) || expectedScopes.length === 0)
    refuse('jwtAuthz scopes', 'must be a non-empty array (an empty one would let every token through)');
  checkKeys(options, AUTHZ_OPTIONS, 'jwtAuthz');
  const scopeKey = options.customScopeKey ?? 'scope';
  const requirement = requireScopes(expectedScopes, { match: options.checkAllScopes ? 'all' : 'any' });
  return (req: Request, res: Response, next: NextFunction) => {
    const claims = options.customUserKey
      ? lookup(req, options.customUserKey)
      : (lookup(req, 'user') ?? lookup(req, 'auth'));
    const held = stringList(lookup(claims, scopeKey));
    const failure = requirement.check({ ...(req.principal ?? NOBODY), scopes: held });
    if (!failure) return next();
    const headers = challengeHeaders(failure, challengeContextOf(req) ?? DEFAULT_CONTEXT);
    if (options.failWithError) return next(new InsufficientScopeHttpError(failure, headers));
    // express-jwt-authz's own answer, not the core's problem+json: clients of code that used it
    // may read this text. The challenge header is the core's all the same.
    res.status(403).set(headers).send('Insufficient scope');
  };
}
