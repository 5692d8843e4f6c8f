/**
 * The errors the express-jwt drop-in hands to `next()`. express-jwt's own (`UnauthorizedError`
 * with its `code`s) are kept as they were, because applications' error handlers test
 * `err.name === 'UnauthorizedError'` and `err.code`; the challenge they carry is built by the core
 * (`errorResponse`), as every adapter's is.
 */
import type { NextFunction, Request } from 'express';
import type { ChallengeContext } from '../../core/challenge.ts';
import { type GatehouseError, InvalidTokenError, isGatehouseError } from '../../core/errors.ts';
import { errorResponse } from '../../core/response.ts';

export type UnauthorizedErrorCode =
  | 'credentials_required'
  | 'credentials_bad_scheme'
  | 'credentials_bad_format'
  | 'invalid_token'
  | 'revoked_token';

/**
 * express-jwt's error, passed to `next()` as express-jwt passes it, so error handlers that test
 * `err.name === 'UnauthorizedError'` or `err.code` keep working. `inner` is the Gatehouse error
 * (its `code` says exactly why). `headers` carries the RFC 6750 challenge: Express's default
 * error handler copies `err.headers` onto the answer.
 */
export class UnauthorizedError extends Error {
  override readonly name = 'UnauthorizedError';
  readonly code: UnauthorizedErrorCode;
  readonly status: number;
  readonly inner: Error;
  readonly headers: Record<string, string>;

  constructor(code: UnauthorizedErrorCode, inner: Error, status = 401, headers: Record<string, string> = {}) {
    // A Gatehouse error's message is its operator detail (it may quote the token's claims); the
    // description is what a client may see, and Express's default handler shows the message.
    super(isGatehouseError(inner) ? inner.description : inner.message);
    this.code = code;
    this.status = status;
    this.inner = inner;
    this.headers = headers;
    // A refused token is the client's doing, not a bug: Express's default handler prints
    // err.stack outside production, and frames would only show the server's paths.
    this.stack = `${this.name}: ${this.message}`;
  }
}

/** What Gatehouse answers when no token verdict applies (keys unavailable: 503 + Retry-After). */
export class GatehouseHttpError extends Error {
  override readonly name = 'GatehouseHttpError';
  readonly status: number;
  readonly statusCode: number;
  readonly inner: unknown;
  readonly headers: Record<string, string>;

  constructor(status: number, message: string, inner: unknown, headers: Record<string, string>) {
    super(message);
    this.status = status;
    this.statusCode = status;
    this.inner = inner;
    this.headers = headers;
    this.stack = `${this.name}: ${this.message}`;
  }
}

/** The headers of the core's answer that express-jwt's errors carry for Express's error handler. */
const CHALLENGE_HEADERS = ['www-authenticate', 'retry-after'];

export function challengeHeaders(
  error: unknown,
  context: string | ChallengeContext | undefined,
): Record<string, string> {
  const { headers } = errorResponse(error, context);
  return Object.fromEntries(Object.entries(headers).filter(([name]) => CHALLENGE_HEADERS.includes(name)));
}

/** express-jwt's code for a request that carried no usable token, judged from its header's shape. */
function missingCode(req: Request): UnauthorizedErrorCode {
  const header = req.headers.authorization;
  if (!header) return 'credentials_required';
  const parts = header.split(' ');
  if (parts.length !== 2) return 'credentials_bad_format';
  return /^Bearer$/i.test(parts[0]!) ? 'credentials_required' : 'credentials_bad_scheme';
}

function toExpressError(error: unknown, req: Request, context: ChallengeContext, fromHeader: boolean): Error {
  const headers = challengeHeaders(error, context);
  if (!isGatehouseError(error)) return new GatehouseHttpError(500, 'Internal error', error, headers);
  const gatehouseError: GatehouseError = error;
  if (gatehouseError.code === 'ERR_TOKEN_MISSING')
    return new UnauthorizedError(
      fromHeader ? missingCode(req) : 'credentials_required',
      gatehouseError,
      401,
      headers,
    );
  if (gatehouseError.code === 'ERR_REQUEST_INVALID')
    return new UnauthorizedError('credentials_bad_format', gatehouseError, gatehouseError.status, headers);
  if (gatehouseError.status === 401) {
    // `Bearer` with nothing after it: express-jwt names the header's shape, not the token.
    const badFormat = fromHeader && missingCode(req) === 'credentials_bad_format';
    return new UnauthorizedError(
      badFormat ? 'credentials_bad_format' : 'invalid_token',
      gatehouseError,
      401,
      headers,
    );
  }
  return new GatehouseHttpError(gatehouseError.status, gatehouseError.description, gatehouseError, headers);
}

export function revokedError(context: ChallengeContext): UnauthorizedError {
  // RFC 6750 has no code of its own for a revoked token: it is one more invalid_token.
  const inner = new InvalidTokenError('ERR_TOKEN_CLAIM', {
    description: 'The token has been revoked.',
    detail: 'isRevoked answered true',
  });
  return new UnauthorizedError('revoked_token', inner, 401, challengeHeaders(inner, context));
}

/** What the middleware passes to `next()` when verification fails. */
export function failWith(next: NextFunction, req: Request, context: ChallengeContext, fromHeader: boolean) {
  return (error: unknown) => {
    if (error instanceof UnauthorizedError || error instanceof GatehouseHttpError) {
      if (error instanceof UnauthorizedError && Object.keys(error.headers).length === 0)
        Object.assign(error.headers, challengeHeaders(error.inner, context));
      return next(error);
    }
    // Errors of the application's own callbacks (getToken, isRevoked) reach its error handler as they are.
    if (!isGatehouseError(error)) return next(error);
    next(toExpressError(error, req, context, fromHeader));
  };
}
