import type { JWTPayload } from 'jose';
import type { AuthenticateOptions } from './authenticate-options.ts';
import { CACHE_HIT, CACHE_MISS, cacheChannel, publishVerify, verifyChannel } from './diagnostics.ts';
import { createDpopGate, type GateObservation } from './dpop/binding.ts';
import { refuseUnprovenSender } from './dpop/unproven-sender.ts';
import { MissingTokenError } from './errors.ts';
import { extractBearerToken, type RequestLike } from './extract.ts';
import type { Gatehouse, GatehouseStatus } from './gatehouse-api.ts';
import { introspectorFor } from './introspection/introspector.ts';
import { IssuerRouter } from './issuer-routing.ts';
import { IssuerValidator } from './issuer-validator.ts';
import { restoreSnapshots } from './keys/snapshot.ts';
import { type Logger, silentLogger } from './logger.ts';
import { type GatehouseOptions, resolveOptions } from './options.ts';
import { authorize as authorizePrincipal } from './policy.ts';
import type { Principal } from './principal.ts';
import { printableLogger } from './printable.ts';
import { logRefusal } from './refusal-log.ts';
import { warnOfAnyTenant } from './tenants.ts';
import { TokenCache } from './token-cache.ts';
import { TokenVerifier } from './token-verifier.ts';
import type { VerifyOptions } from './verify-options.ts';

export type { AuthenticateOptions } from './authenticate-options.ts';
export type { Gatehouse, GatehouseStatus } from './gatehouse-api.ts';
export type { VerifyOptions } from './verify-options.ts';

/**
 * Builds a verifier for one issuer or several. Options are validated here; a mistake throws at
 * start-up. This is the façade: the verified-token cache, authentication of requests (with the
 * DPoP gate around it), diagnostics events and the key sets' lifecycle; a token's own path is
 * `TokenVerifier`'s.
 */
export function createGatehouse(options: GatehouseOptions): Gatehouse {
  const resolved = resolveOptions(options);
  // Log lines quote token text (kid, typ, scopes, claims): escaped once here, for every sink.
  const logger: Logger = printableLogger(options.logger ?? silentLogger);
  const now = options.clock ?? Date.now;
  warnOfAnyTenant(resolved.issuers, logger);
  const cache = resolved.cache.enabled ? new TokenCache(resolved.cache) : undefined;
  const validators: IssuerValidator[] = resolved.issuers.map(
    (config) =>
      new IssuerValidator({
        config,
        shared: resolved,
        fetch: {
          timeout: resolved.keys.timeout,
          maxBytes: resolved.keys.maxBytes,
          ...(options.fetch ? { fetch: options.fetch } : {}),
        },
        now,
        logger,
        onKeysLoaded: () => {
          // A key may leave any issuer's set: keep only entries whose key some issuer still publishes.
          const ids = new Set(validators.flatMap((v) => v.keys.currentKeyIds()));
          cache?.retainKeys(ids);
        },
      }),
  );
  if (options.snapshot) restoreSnapshots(validators, options.snapshot, logger);
  const router = new IssuerRouter(validators);
  const verifier = new TokenVerifier({
    router,
    settings: {
      algorithms: resolved.algorithms,
      clockTolerance: resolved.clockTolerance,
      strictType: resolved.strictType,
      maxTokenAge: resolved.maxTokenAge,
      now,
    },
    introspector: introspectorFor(validators, resolved, options, logger, now),
    cache,
  });

  async function verify(token: string, opts: VerifyOptions = {}): Promise<Principal> {
    // Anything but the explicit opt-in refuses a bound token: checked after the cache too.
    const senderChecked = opts.senderConstrained === 'caller-checks';
    if (!verifyChannel.hasSubscribers) {
      const principal = lookup(token) ?? (await verifier.verify(token));
      return senderChecked ? principal : refuseUnprovenSender(principal);
    }
    const started = performance.now();
    const hit = lookup(token);
    try {
      const principal = hit ?? (await verifier.verify(token));
      if (!senderChecked) refuseUnprovenSender(principal);
      publishAccepted(principal, hit !== undefined, started);
      return principal;
    } catch (error) {
      publishRefused(error, started);
      throw error;
    }
  }

  /** Tells the verify channel (called only when it has subscribers) what became of a token. */
  function publishAccepted(principal: Principal, cached: boolean, started: number): void {
    publishVerify({
      stage: 'authenticate',
      error: undefined,
      issuer: issuerNameOf(principal),
      cached,
      durationMs: performance.now() - started,
    });
  }
  function publishRefused(error: unknown, started: number, judged?: Principal): void {
    // The issuer that refused it, when a token got that far (none for a missing or malformed one),
    // or that accepted a token the request then failed to prove it holds (DPoP, certificate).
    publishVerify({
      stage: 'authenticate',
      error,
      issuer: verifier.refusedBy(error) ?? issuerNameOf(judged),
      cached: false,
      durationMs: performance.now() - started,
    });
  }

  /** The verified-token cache's answer, told to the cache channel when someone listens. */
  function lookup(token: string): Principal | undefined {
    if (cache === undefined) return undefined;
    const hit = cache.get(token, now());
    if (cacheChannel.hasSubscribers) cacheChannel.publish(hit === undefined ? CACHE_MISS : CACHE_HIT);
    return hit;
  }

  /** The configured name of the issuer a principal came from (for diagnostics events only). */
  function issuerNameOf(principal: Principal | null | undefined): string | undefined {
    return principal ? router.nameOf(principal.issuer) : undefined;
  }

  /**
   * One authenticate call's diagnostics (only when someone listens): the DPoP gate tells it the
   * final outcome, so a token the gate refuses after the bearer path accepted it is one refusal.
   */
  function observe(): GateObservation | undefined {
    if (!verifyChannel.hasSubscribers) return undefined;
    const started = performance.now();
    let judged: Principal | undefined;
    let fromCache = false;
    return {
      verified(principal, cached) {
        judged = principal;
        fromCache = cached;
      },
      accepted: (principal) => publishAccepted(principal, fromCache, started),
      refused: (error) => publishRefused(error, started, judged),
    };
  }

  /** A token's principal from the cache (told to the cache channel) or verified afresh; throws or rejects. */
  function principalOf(
    token: string,
    observation: GateObservation | undefined,
  ): Principal | Promise<Principal> {
    const hit = lookup(token);
    if (hit !== undefined) {
      observation?.verified(hit, true);
      return hit;
    }
    const outcome = verifier.verify(token);
    if (observation === undefined) return outcome;
    if (outcome instanceof Promise) {
      return outcome.then((principal) => {
        observation.verified(principal, false);
        return principal;
      });
    }
    observation.verified(outcome, false);
    return outcome;
  }

  // DPoP (RFC 9449): the gate runs before and after the bearer path below; see dpop/binding.ts.
  const dpop = createDpopGate(resolved.dpop, resolved.mtls, {
    now,
    clockTolerance: resolved.clockTolerance,
    observe,
    verifyToken: principalOf,
    report: (error) => logRefusal(error, logger),
  });

  function authenticateNow(
    request: RequestLike,
    opts: AuthenticateOptions = {},
  ): Principal | null | Promise<Principal | null> {
    return dpop.authenticate(request, opts, authenticateBearer);
  }

  /** RFC 6750; the gate around it publishes the outcome (it may still refuse what this accepts). */
  function authenticateBearer(
    request: RequestLike,
    opts: AuthenticateOptions,
    observation: GateObservation | undefined,
  ): Principal | null | Promise<Principal | null> {
    const refuse = (error: unknown): never => {
      logRefusal(error, logger);
      throw error;
    };
    let token: string | undefined;
    try {
      token = extractBearerToken(request);
      if (token === undefined) {
        if (opts.optional) return null;
        throw new MissingTokenError();
      }
    } catch (error) {
      return refuse(error);
    }
    let outcome: Principal | Promise<Principal>;
    try {
      outcome = principalOf(token, observation);
    } catch (error) {
      return refuse(error);
    }
    return outcome instanceof Promise ? outcome.catch(refuse) : outcome;
  }

  function cached(request: RequestLike): Principal | undefined {
    if (cache === undefined) return undefined;
    let token: string | undefined;
    try {
      token = extractBearerToken(request);
    } catch {
      return undefined; // a malformed request: authenticate() refuses and logs it
    }
    const hit = token === undefined ? undefined : cache.get(token, now());
    // DPoP: a bound token (or any, where DPoP is required) is never served from here as Bearer.
    return hit !== undefined && dpop.servesAsBearer(hit) ? hit : undefined;
  }

  function status(): GatehouseStatus {
    const issuers = validators.map((v) => ({ name: v.config.name, ...v.keys.status() }));
    return { ...issuers[0]!, ready: issuers.every((i) => i.ready), issuers };
  }

  return {
    options: resolved,
    verify,
    // async: whatever authenticateNow throws becomes a rejection.
    authenticate: async (request, opts) => authenticateNow(request, opts),
    authenticateNow,
    cached,
    authorize: (principal, requirements) => {
      try {
        return authorizePrincipal(principal, requirements);
      } catch (error) {
        logRefusal(error, logger);
        // Refusals only: an acceptance was already told when the token was authenticated.
        if (verifyChannel.hasSubscribers)
          publishVerify({
            stage: 'authorize',
            error,
            issuer: issuerNameOf(principal),
            cached: false,
            durationMs: 0,
          });
        throw error;
      }
    },
    get ready() {
      return validators.every((v) => v.keys.ready);
    },
    start: () => {
      for (const v of validators) v.keys.start();
    },
    close: () => {
      for (const v of validators) v.keys.stop();
    },
    status,
    cacheStats: () =>
      cache ? { size: cache.size, bytes: cache.bytes, hits: cache.hits, misses: cache.misses } : undefined,
    exportSnapshot: () => validators.flatMap((v) => v.keys.snapshot(v.sourceUrl) ?? []),
    issuerMetadata: (name) =>
      (name === undefined ? validators[0] : validators.find((v) => v.config.name === name))?.keys.metadata
        .current,
    issuers: validators,
    // async: an untrusted `iss` becomes a rejection, as the interface says.
    route: async (claims: Readonly<JWTPayload>) => router.route(claims),
  };
}
