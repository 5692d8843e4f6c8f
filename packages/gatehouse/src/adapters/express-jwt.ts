import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { JWTPayload } from 'jose';
import { ConfigurationError, InsufficientScopeError } from '../core/errors.ts';
import { createGatehouse } from '../core/gatehouse.ts';
import type { AsymmetricAlgorithm } from '../core/key-store.ts';
import { stringList } from '../core/principal.ts';
import { sendError } from './express.ts';

/**
 * express-jwt + jwks-rsa + express-jwt-authz, rebuilt on Gatehouse, so code like seed 004's moves
 * over by changing its imports. Differences: HMAC secrets are refused, the JWKS URL must be https
 * (loopback excepted), and failures answer RFC 6750 challenges instead of throwing UnauthorizedError.
 */

/** What `expressJwtSecret` returns: only where the keys are. */
export interface JwksSecret {
  readonly jwksUri: string;
}

/** jwks-rsa's `expressJwtSecret`. Its caching and rate-limit options are Gatehouse defaults already. */
export function expressJwtSecret(options: {
  jwksUri: string;
  cache?: boolean;
  rateLimit?: boolean;
  jwksRequestsPerMinute?: number;
  cacheMaxAge?: number;
  timeout?: number;
}): JwksSecret {
  if (typeof options?.jwksUri !== 'string')
    throw new ConfigurationError('expressJwtSecret jwksUri', 'is required');
  return { jwksUri: options.jwksUri };
}

export interface ExpressJwtOptions {
  secret: JwksSecret;
  audience: string | string[];
  issuer: string | string[];
  algorithms?: AsymmetricAlgorithm[];
  /** Where the claims go: `req.auth` (express-jwt 7+, default) or `req.user` (express-jwt 5). */
  requestProperty?: 'auth' | 'user';
  /** @default true */
  credentialsRequired?: boolean;
}

declare module 'express-serve-static-core' {
  interface Request {
    /** Verified token claims, as express-jwt sets them. */
    auth?: JWTPayload;
  }
}

/** express-jwt's middleware: verifies the bearer token and puts its claims on the request. */
export function expressjwt(options: ExpressJwtOptions): RequestHandler {
  if (typeof options?.secret !== 'object' || typeof options.secret?.jwksUri !== 'string') {
    throw new ConfigurationError(
      'expressjwt secret',
      'must be expressJwtSecret({ jwksUri }): shared (HMAC) secrets are refused',
    );
  }
  const issuers = Array.isArray(options.issuer) ? options.issuer : [options.issuer];
  const gatehouse = createGatehouse({
    issuers: issuers.map((issuer) => ({
      issuer,
      jwksUri: options.secret.jwksUri,
      audience: options.audience,
    })),
    ...(options.algorithms ? { algorithms: options.algorithms } : {}),
  });
  gatehouse.start();
  const property = options.requestProperty ?? 'auth';
  const optional = options.credentialsRequired === false;
  return (req: Request, res: Response, next: NextFunction) => {
    gatehouse.authenticate(req, { optional }).then(
      (principal) => {
        req.principal = principal;
        if (principal) (req as unknown as Record<string, unknown>)[property] = principal.claims;
        next();
      },
      (error: unknown) => sendError(res, error, gatehouse.options.realm),
    );
  };
}

/** express-jwt's older name for the same function. */
export const jwt = expressjwt;

export interface JwtAuthzOptions {
  /** Require every listed scope rather than any one. @default false */
  checkAllScopes?: boolean;
  /** The claim holding scopes; Auth0 RBAC: 'permissions'. @default 'scope' */
  customScopeKey?: string;
  /** Where the claims are on the request. @default 'auth', then 'user' */
  customUserKey?: string;
}

/** express-jwt-authz's scope check, answering 403 `insufficient_scope` with the scopes it needed. */
export function jwtAuthz(expectedScopes: string[], options: JwtAuthzOptions = {}): RequestHandler {
  if (!Array.isArray(expectedScopes) || expectedScopes.length === 0)
    throw new ConfigurationError('jwtAuthz scopes', 'must be a non-empty array');
  const key = options.customScopeKey ?? 'scope';
  return (req: Request, res: Response, next: NextFunction) => {
    const holder = req as unknown as Record<string, JWTPayload | undefined>;
    const claims = options.customUserKey ? holder[options.customUserKey] : (holder.auth ?? holder.user);
    const held = stringList(claims?.[key]);
    const ok = options.checkAllScopes
      ? expectedScopes.every((s) => held.includes(s))
      : expectedScopes.some((s) => held.includes(s));
    if (ok) return next();
    sendError(
      res,
      new InsufficientScopeError({
        scope: expectedScopes,
        detail: `needs ${options.checkAllScopes ? 'all' : 'any'} of [${expectedScopes.join(' ')}] in ${key}; token has [${held.join(' ')}]`,
      }),
    );
  };
}
