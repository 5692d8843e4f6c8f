import type { ChallengeContext } from '../core/challenge.ts';

/**
 * The challenge context (realm, RFC 9728 metadata URL) of the gatehouse that authenticated a
 * request. Middleware that runs later and has no gatehouse of its own (Express's and restify's
 * `authorize`, express-jwt-authz's `jwtAuthz`) challenges with it, in the same realm.
 */
const contexts = new WeakMap<object, ChallengeContext>();

export function rememberChallengeContext(request: object, context: ChallengeContext): void {
  contexts.set(request, context);
}

/** `undefined` when no Gatehouse middleware authenticated the request. */
export function challengeContextOf(request: object): ChallengeContext | undefined {
  return contexts.get(request);
}
