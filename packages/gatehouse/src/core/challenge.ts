import { bearerChallenge } from './bearer-challenge.ts';
import { dpopChallengeFor } from './dpop/challenge.ts';
import type { GatehouseError } from './errors.ts';

export { bearerChallenge, type ChallengeParams } from './bearer-challenge.ts';

/** What the resource tells every client, whatever the refusal: `realm` and RFC 9728's `resource_metadata`. */
export interface ChallengeContext {
  realm?: string | undefined;
  resourceMetadata?: string | undefined;
}

export function challengeFor(
  error: GatehouseError,
  context: string | ChallengeContext | undefined,
): string | undefined {
  if (error.status !== 401 && error.status !== 403 && error.status !== 400) return undefined;
  const { realm, resourceMetadata } = typeof context === 'string' ? { realm: context } : (context ?? {});
  const hints = error.challenge;
  // DPoP (RFC 9449 §7.1): errors of DPoP requests, or of a DPoP-aware gate, get DPoP challenges.
  const dpop = dpopChallengeFor(error, realm, resourceMetadata);
  if (dpop !== undefined) return dpop;
  return bearerChallenge({
    realm,
    error: error.bearerError,
    // Microsoft's claims challenge carries no description; its clients parse the documented shape.
    description: error.bearerError === 'insufficient_claims' ? undefined : error.description,
    scope: error.status === 403 ? error.scope : undefined,
    authorizationUri: hints?.authorizationUri,
    acrValues: hints?.acrValues,
    maxAge: hints?.maxAge,
    claims: hints?.claims,
    // RFC 9728 §5.1: a client that gets no usable token learns where to find how to get one.
    resourceMetadata: error.status === 400 ? undefined : resourceMetadata,
  });
}
