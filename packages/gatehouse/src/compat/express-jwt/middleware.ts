/**
 * express-jwt's middleware (6 as `jwt`, 7+ as `expressjwt`), rebuilt on Gatehouse so that code
 * written for it runs with only its require lines changed. Every option either keeps its original
 * meaning or is refused when the middleware is created. HMAC secrets are refused, and the JWKS URL
 * must be https (loopback excepted). The token is decided by the core guard, as on every adapter.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { decodeProtectedHeader, type JWTHeaderParameters, type JWTPayload } from 'jose';
import { rememberChallengeContext } from '../../adapters/challenge-contexts.ts';
// For the `req.principal` declaration the Express adapter makes, which this module sets too.
import type {} from '../../adapters/express.ts';
import { MissingTokenError } from '../../core/errors.ts';
import { extractBearerToken, type RequestLike } from '../../core/extract.ts';
import type { Gatehouse } from '../../core/gatehouse.ts';
import { guard } from '../../core/guard.ts';
import type { Principal } from '../../core/principal.ts';
import { failWith, revokedError, UnauthorizedError } from './errors.ts';
import {
  buildGatehouse,
  type CommonOptions,
  type DecodedToken,
  type ExpressJwt6Options,
  type ExpressJwtOptions,
  propertyPath,
  setPath,
  V6,
  V7,
} from './options.ts';
import { PREFIX, refuse } from './refuse.ts';

declare module 'express-serve-static-core' {
  interface Request {
    /** Verified token claims, as express-jwt 7+ sets them. */
    auth?: JWTPayload;
  }
}

interface Verified {
  principal: Principal;
  token: string;
}

/**
 * The shared part of both versions: the token (from `getToken` or the Authorization header) and
 * its verification by Gatehouse. `null` when no token came and none is required.
 */
async function verifyRequest(
  gatehouse: Gatehouse,
  options: CommonOptions,
  req: Request,
): Promise<Verified | null> {
  const optional = options.credentialsRequired === false;
  let source: RequestLike = req;
  if (options.getToken) {
    const supplied = await options.getToken(req);
    if (supplied === undefined || supplied === null || supplied === '') {
      if (optional) return null;
      return Promise.reject(new UnauthorizedError('credentials_required', new MissingTokenError()));
    }
    if (typeof supplied !== 'string') throw new TypeError(`${PREFIX}: getToken must return a string`);
    source = { headers: { authorization: `Bearer ${supplied}` } };
  }
  // express-jwt checks the token and nothing more (scopes are jwtAuthz's, or the application's,
  // to check), so a token without scopes passes as it did there.
  const principal = await guard(gatehouse, source, { optional, allowTokensWithoutScopes: true });
  if (!principal) return null;
  return { principal, token: extractBearerToken(source) ?? '' };
}

/** express-jwt 6 and earlier skip CORS preflights that announce an Authorization header. */
function isPreflight(req: Request): boolean {
  const announced = req.headers['access-control-request-headers'];
  return (
    req.method === 'OPTIONS' &&
    typeof announced === 'string' &&
    announced
      .split(',')
      .map((h) => h.trim().toLowerCase())
      .includes('authorization')
  );
}

function decoded(token: string, payload: JWTPayload): DecodedToken {
  return {
    header: decodeProtectedHeader(token) as JWTHeaderParameters,
    payload,
    signature: token.split('.')[2] ?? '',
  };
}

/**
 * express-jwt 6's `jwt(...)`: claims on `req.user` (or `requestProperty`/`userProperty`, or on
 * `res` at `resultProperty`), `isRevoked(req, payload, done)`, failures as `UnauthorizedError`.
 */
export function jwt(options: ExpressJwt6Options): RequestHandler {
  const gatehouse = buildGatehouse(options, V6, 'jwt');
  const context = gatehouse.options;
  const isRevoked = options.isRevoked;
  if (isRevoked !== undefined && (typeof isRevoked !== 'function' || isRevoked.length < 3))
    refuse(
      'jwt isRevoked',
      'must be (req, payload, done) as in express-jwt 6; an async (req, token) check needs expressjwt()',
    );
  const onResponse = options.resultProperty !== undefined;
  const path = onResponse
    ? propertyPath(options.resultProperty, 'jwt resultProperty')
    : propertyPath(options.userProperty ?? options.requestProperty ?? 'user', 'jwt requestProperty');
  return (req: Request, res: Response, next: NextFunction) => {
    if (isPreflight(req)) return next();
    verifyRequest(gatehouse, options, req)
      .then(async (verified) => {
        if (!verified) return next();
        const claims = verified.principal.claims;
        if (isRevoked) {
          const revoked = await new Promise<boolean>((resolve, reject) => {
            const done = (error?: unknown, answer?: boolean) =>
              error ? reject(error) : resolve(answer === true);
            isRevoked(req, claims, done);
          });
          if (revoked) throw revokedError(context);
        }
        req.principal = verified.principal;
        rememberChallengeContext(req, context);
        setPath(onResponse ? res : req, path, claims);
        next();
      })
      .catch(failWith(next, req, context, !options.getToken));
  };
}

/** express-jwt 7+'s `expressjwt(...)`: claims on `req.auth`, `isRevoked(req, token)` may be async. */
export function expressjwt(options: ExpressJwtOptions): RequestHandler {
  const gatehouse = buildGatehouse(options, V7, 'expressjwt');
  const context = gatehouse.options;
  const isRevoked = options.isRevoked;
  if (isRevoked !== undefined && typeof isRevoked !== 'function')
    refuse('expressjwt isRevoked', 'must be a function');
  // A 3-argument callback would be called without `done` and never answer "revoked".
  if (isRevoked && isRevoked.length >= 3)
    refuse(
      'expressjwt isRevoked',
      'takes (req, payload, done), express-jwt 6 form: use jwt() or an async (req, token) => boolean',
    );
  const path = propertyPath(options.requestProperty ?? 'auth', 'expressjwt requestProperty');
  return (req: Request, _res: Response, next: NextFunction) => {
    if (isPreflight(req)) return next();
    verifyRequest(gatehouse, options, req)
      .then(async (verified) => {
        if (!verified) return next();
        const claims = verified.principal.claims;
        if (isRevoked && (await isRevoked(req, decoded(verified.token, claims)))) throw revokedError(context);
        req.principal = verified.principal;
        rememberChallengeContext(req, context);
        setPath(req, path, claims);
        next();
      })
      .catch(failWith(next, req, context, !options.getToken));
  };
}
