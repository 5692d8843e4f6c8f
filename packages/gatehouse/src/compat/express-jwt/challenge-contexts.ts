import type { Request } from 'express';
import type { ChallengeContext } from '../../core/challenge.ts';

/**
 * The challenge context (realm) of the middleware that verified a request, so `jwtAuthz`, which
 * runs later and has no gatehouse of its own, challenges in the same realm.
 */
const contexts = new WeakMap<Request, ChallengeContext>();

export function rememberChallengeContext(req: Request, context: ChallengeContext): void {
  contexts.set(req, context);
}

/** express-jwt-authz used after some other middleware: Gatehouse's default realm. */
const DEFAULT_CONTEXT: ChallengeContext = Object.freeze({ realm: 'api' });

export function challengeContextOf(req: Request): ChallengeContext {
  return contexts.get(req) ?? DEFAULT_CONTEXT;
}
