import type { IncomingMessage } from 'node:http';
import type { JWTPayload } from 'jose';
import { bearerChallenge } from '../core/challenge.ts';
import { GatehouseError, MissingTokenError } from '../core/errors.ts';
import { createGatehouse, type Gatehouse } from '../core/gatehouse.ts';
import { requireScopes } from '../core/policy.ts';
import type { Principal } from '../core/principal.ts';
import { errorResponse } from '../core/response.ts';
import { type BearerStrategyOptions, gatehouseOptionsFor } from './passport-options.ts';

export type { BearerStrategyOptions } from './passport-options.ts';

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

type PassportRequest = IncomingMessage & {
  res?: { setHeader(name: string, value: string): unknown };
  principal?: Principal | null;
};

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

  constructor(options: BearerStrategyOptions, verify: VerifyCallback | VerifyCallbackWithRequest) {
    if (typeof verify !== 'function') throw new TypeError('BearerStrategy: a verify callback is required');
    this.gatehouse = createGatehouse(gatehouseOptionsFor(options));
    this.gatehouse.start();
    this.verifyCallback = verify;
    this.passReqToCallback = options.passReqToCallback === true;
    this.requiredScope = options.scope ? requireScopes(options.scope) : undefined;
  }

  authenticate(request: IncomingMessage, _options?: unknown): void {
    // Passport calls this on an object derived from the strategy, with its actions added.
    const self = this as unknown as BearerStrategy & PassportActions;
    const req = request as PassportRequest;
    const refuse = (error: unknown) => {
      const answer = errorResponse(error, self.gatehouse.options.realm);
      if (answer.status >= 500) {
        // Express's final handler copies `status` and `headers` (Retry-After) from the error.
        const failure = error instanceof GatehouseError ? error : new Error('internal error');
        self.error(Object.assign(failure, { statusCode: answer.status, headers: answer.headers }));
        return;
      }
      const challenge = answer.headers['www-authenticate'];
      // Passport writes the challenge for a 401 only; a 403 insufficient_scope carries one too.
      if (answer.status !== 401 && challenge) req.res?.setHeader('www-authenticate', challenge);
      self.fail(challenge, answer.status);
    };
    self.gatehouse
      .authenticate(req)
      .then((principal) => {
        if (!principal) throw new MissingTokenError();
        if (self.requiredScope) self.gatehouse.authorize(principal, [self.requiredScope]);
        req.principal = principal;
        const done: VerifyDone = (error, user, info) => {
          if (error) return self.error(error);
          if (!user) {
            // The application's own verify callback turned the caller away.
            const realm = self.gatehouse.options.realm;
            return self.fail(
              bearerChallenge({ realm, error: 'invalid_token', description: 'The token was not accepted' }),
              401,
            );
          }
          self.success(user, info);
        };
        const claims = principal.claims as JWTPayload;
        if (self.passReqToCallback) (self.verifyCallback as VerifyCallbackWithRequest)(req, claims, done);
        else (self.verifyCallback as VerifyCallback)(claims, done);
      })
      .catch(refuse);
  }
}
