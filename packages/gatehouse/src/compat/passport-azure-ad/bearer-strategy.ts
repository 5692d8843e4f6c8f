import type { IncomingMessage } from 'node:http';
import type { JWTPayload } from 'jose';
import { ConfigurationError, InvalidTokenError, MissingTokenError } from '../../core/errors.ts';
import { createGatehouse, type Gatehouse } from '../../core/gatehouse.ts';
import { guard, type RouteAuth } from '../../core/guard.ts';
import { requireScopes } from '../../core/policy.ts';
import { type ErrorResponse, errorResponse, type ProblemDetails } from '../../core/response.ts';
import { type BearerStrategyOptions, gatehouseOptionsFor } from './options.ts';
import { type PassportRequest, setResponseHeaders, watchResponses } from './response-headers.ts';

export type VerifyDone = (error: unknown, user?: unknown, info?: unknown) => void;
/** passport-azure-ad's contract: the decoded, verified token claims, then `done`. */
export type VerifyCallback = (token: JWTPayload, done: VerifyDone) => void;
export type VerifyCallbackWithRequest = (req: IncomingMessage, token: JWTPayload, done: VerifyDone) => void;

/** What passport adds to the strategy object it calls `authenticate` on. */
interface PassportActions {
  success(user: unknown, info?: unknown): void;
  fail(challenge?: string, status?: number): void;
  error(error: unknown): void;
}

/** The headers of a 5xx answer that stay whatever the framework renders the error as. */
function errorHeaders(answer: ErrorResponse): Record<string, string> {
  const { 'content-type': _type, ...headers } = answer.headers;
  return headers;
}

/**
 * What the strategy hands passport's `error()` when it cannot decide (503 while the issuer's keys
 * cannot be had, 500 otherwise): the public description only, and a stack without frames, so an
 * error page (Express's in development renders `err.stack`) shows no internal URL or path. The
 * reason is in Gatehouse's log. `status`/`statusCode`, `headers` and `toJSON()` are what Express's
 * final handler and restify read.
 */
export class BearerStrategyError extends Error {
  readonly status: number;
  readonly statusCode: number;
  /** Gatehouse's stable code, e.g. `ERR_KEYS_UNAVAILABLE`. */
  readonly code: string;
  /** The message is safe to show a client (the http-errors convention). */
  readonly expose = true;
  readonly headers: Record<string, string>;
  readonly body: ProblemDetails;

  constructor(answer: ErrorResponse) {
    super(answer.body.detail);
    this.name = 'BearerStrategyError';
    this.status = answer.status;
    this.statusCode = answer.status;
    this.code = answer.body.code;
    this.headers = errorHeaders(answer);
    this.body = answer.body;
    this.stack = `${this.name}: ${this.message}`;
  }

  toJSON(): ProblemDetails {
    return this.body;
  }
}

/** The verify callback answered no user: 401 `invalid_token`, as passport-azure-ad answered. */
function verifyCallbackRefusal(): InvalidTokenError {
  return new InvalidTokenError('ERR_TOKEN_CLAIM', {
    description: 'The token was not accepted',
    detail: 'the verify callback of BearerStrategy returned no user',
  });
}

/**
 * A drop-in for passport-azure-ad's `BearerStrategy` (registered as `oauth-bearer`), with
 * Gatehouse underneath: stricter defaults, RFC 6750 challenges, 503 while keys are unavailable,
 * and no crash on an unknown `kid`.
 *
 * Passport calls `authenticate` on an object derived from the strategy, so state lives in plain
 * properties (inherited), not `#private` fields.
 */
export class BearerStrategy {
  readonly name = 'oauth-bearer';
  readonly gatehouse: Gatehouse;
  readonly verifyCallback: VerifyCallback | VerifyCallbackWithRequest;
  readonly passReqToCallback: boolean;
  readonly requiredScope: ReturnType<typeof requireScopes> | undefined;
  /** @internal What every request is held to, by the same guard as every adapter's routes. */
  readonly route: RouteAuth;

  constructor(options: BearerStrategyOptions, verify: VerifyCallback | VerifyCallbackWithRequest) {
    if (typeof verify !== 'function') throw new TypeError('BearerStrategy: a verify callback is required');
    this.gatehouse = createGatehouse(gatehouseOptionsFor(options));
    this.gatehouse.start();
    this.verifyCallback = verify;
    this.passReqToCallback = options.passReqToCallback === true;
    this.requiredScope = options.scope ? requireScopes(options.scope) : undefined;
    this.route = {
      ...(this.requiredScope ? { require: [this.requiredScope] } : {}),
      // passport-azure-ad accepted a token without scopes or roles and left the decision to the
      // verify callback; the drop-in keeps that rather than turn such callers away.
      allowTokensWithoutScopes: true,
    };
    watchResponses();
  }

  authenticate(request: IncomingMessage, options?: unknown): void {
    // Passport calls this on an object derived from the strategy, with its actions added.
    const self = this as unknown as BearerStrategy & PassportActions;
    const req = request as PassportRequest;
    // passport-azure-ad's per-request tenant for a common endpoint: it would widen the trusted
    // issuers per call, so it fails loudly rather than being ignored.
    if (typeof options === 'object' && options !== null && 'tenantIdOrName' in options) {
      self.error(
        new ConfigurationError(
          'passport.authenticate tenantIdOrName',
          "is refused: list the tenants' issuers in the BearerStrategy issuer option",
        ),
      );
      return;
    }
    const refuse = (error: unknown) => {
      const answer = errorResponse(error, self.gatehouse.options);
      if (answer.status >= 500) {
        // Headers set on the response too: restify renders the error without reading them.
        setResponseHeaders(req, errorHeaders(answer));
        self.error(new BearerStrategyError(answer));
        return;
      }
      const challenge = answer.headers['www-authenticate'];
      // Passport writes the challenge for a 401 only; a 403 insufficient_scope carries one too.
      if (answer.status !== 401 && challenge) setResponseHeaders(req, { 'www-authenticate': challenge });
      self.fail(challenge, answer.status);
    };
    guard(self.gatehouse, req, self.route)
      .then((principal) => {
        // The route is not optional, so the guard has refused an anonymous caller already.
        if (!principal) throw new MissingTokenError();
        req.principal = principal;
        const done: VerifyDone = (error, user, info) => {
          if (error) return self.error(error);
          // The application's own verify callback turned the caller away.
          if (!user) return refuse(verifyCallbackRefusal());
          // passport-azure-ad's contract, kept: passport sets `req.user`, and `req.authInfo` to `info`.
          self.success(user, info);
        };
        const claims = principal.claims as JWTPayload;
        if (self.passReqToCallback) (self.verifyCallback as VerifyCallbackWithRequest)(req, claims, done);
        else (self.verifyCallback as VerifyCallback)(claims, done);
      })
      .catch(refuse);
  }
}
