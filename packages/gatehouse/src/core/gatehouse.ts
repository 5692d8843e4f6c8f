import { decodeJwt, type JWTHeaderParameters, type JWTPayload } from 'jose';
import { CACHE_HIT, CACHE_MISS, cacheChannel, publishVerify, verifyChannel } from './diagnostics.ts';
import type { IssuerMetadata } from './discovery.ts';
import { createDpopGate } from './dpop/binding.ts';
import { GatehouseError, InvalidTokenError, MissingTokenError } from './errors.ts';
import { extractBearerToken, type RequestLike } from './extract.ts';
import { Introspector } from './introspection/introspector.ts';
import type { KeySetSnapshot, KeySetStatus } from './issuer-keys.ts';
import { IssuerValidator, issuerFits } from './issuer-validator.ts';
import { type Logger, silentLogger } from './logger.ts';
import { type GatehouseOptions, type ResolvedOptions, resolveOptions } from './options.ts';
import { authorize as authorizePrincipal, type Requirement } from './policy.ts';
import { buildPrincipal, type Principal } from './principal.ts';
import { printableLogger } from './printable.ts';
import { restoreSnapshots } from './snapshot.ts';
import { TokenCache } from './token-cache.ts';
import { isCompactJws } from './token-shape.ts';
import { checkHeader, HeaderMemo, type VerifiedToken, type VerifyPolicy, verifyToken } from './verify.ts';

export interface AuthenticateOptions {
  /** Let a request without a token through as anonymous (`null`). A bad token is still refused. */
  optional?: boolean;
}

export interface GatehouseStatus extends KeySetStatus {
  /** One entry per trusted issuer; the top-level fields describe the first. */
  issuers: (KeySetStatus & { name: string })[];
}

export interface Gatehouse {
  readonly options: ResolvedOptions;
  /** Verifies a raw token and returns its principal, or throws a `GatehouseError`. */
  verify(token: string): Promise<Principal>;
  /** Extracts and verifies the bearer token of a request. `null` only when optional and no token was sent. */
  authenticate(request: RequestLike, options?: AuthenticateOptions): Promise<Principal | null>;
  /**
   * The principal of the request's token when the verified-token cache holds it, found without
   * waiting (adapters answer such a request in the same tick); `undefined` otherwise, and for any
   * request the full `authenticate` must judge. Never throws.
   */
  cached(request: RequestLike): Principal | undefined;
  /**
   * `authenticate` without waiting when it need not: a token the verified-token cache holds, or
   * one whose issuer and keys are already loaded, gives its principal at once, and a refused
   * token throws at once; otherwise a promise, as `authenticate` returns (which rejects instead of
   * throwing). For adapters that answer in the same tick when they can.
   */
  authenticateNow(
    request: RequestLike,
    options?: AuthenticateOptions,
  ): Principal | null | Promise<Principal | null>;
  /** Applies requirements to a principal; throws 401 for none, 403 for a failed requirement. */
  authorize(principal: Principal | null | undefined, requirements: readonly Requirement[]): Principal;
  /** True once every trusted issuer's signing keys are loaded. */
  readonly ready: boolean;
  /** Starts loading metadata and keys in the background and keeps them fresh. Never blocks. */
  start(): void;
  /** Stops background timers. */
  close(): void;
  status(): GatehouseStatus;
  /** Verified-token cache counters, when the cache is on. */
  cacheStats(): { size: number; bytes: number; hits: number; misses: number } | undefined;
  /** One snapshot per issuer whose keys are loaded. */
  exportSnapshot(): KeySetSnapshot[];
  /**
   * The discovery document of a trusted issuer (by its configured name; the first by default), once
   * loaded; `undefined` before that or for an unknown name. For apps that publish the issuer's
   * endpoints (OpenAPI security schemes, RFC 9728 metadata).
   */
  issuerMetadata(name?: string): Readonly<IssuerMetadata> | undefined;
  /** @internal The trusted issuers, in configuration order (explain's view; not a public API). */
  readonly issuers: readonly IssuerValidator[];
  /** @internal The issuer a token belongs to, by its unverified `iss`; throws like `verify`. */
  route(claims: Readonly<JWTPayload>): Promise<IssuerValidator>;
}

function untrusted(iss: unknown, names: string[]): InvalidTokenError {
  return new InvalidTokenError('ERR_TOKEN_ISSUER', {
    description: 'The token was issued by an untrusted issuer',
    detail: `iss ${JSON.stringify(iss) ?? 'absent'} is not one of the trusted issuers (${names.join(', ')})`,
    claim: 'iss',
    actual: iss,
  });
}

/** Builds a verifier for one issuer or several. Options are validated here; a mistake throws at start-up. */
export function createGatehouse(options: GatehouseOptions): Gatehouse {
  const resolved = resolveOptions(options);
  // Log lines quote token text (kid, typ, scopes, claims): escaped once here, for every sink.
  const logger: Logger = printableLogger(options.logger ?? silentLogger);
  const now = options.clock ?? Date.now;
  const fetchOptions = {
    timeout: resolved.keys.timeout,
    maxBytes: resolved.keys.maxBytes,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  };
  for (const issuer of resolved.issuers) {
    if (issuer.tenants === 'any') {
      logger.warn?.(
        { issuer: issuer.name, tenants: 'any' },
        'gatehouse: tokens of ANY tenant are accepted for this multi-tenant issuer (tenants: "any"); every organization can sign in its users and apps',
      );
    }
  }
  const cache = resolved.cache.enabled ? new TokenCache(resolved.cache) : undefined;
  const validators = resolved.issuers.map(
    (config) =>
      new IssuerValidator(config, resolved, fetchOptions, now, logger, () => {
        // A key may leave any issuer's set: keep only entries whose key some issuer still publishes.
        const ids = new Set(validators.flatMap((v) => v.keys.currentKeyIds()));
        cache?.retainKeys(ids);
      }),
  );
  if (options.snapshot) restoreSnapshots(validators, options.snapshot, logger);
  const policy: VerifyPolicy = {
    algorithms: resolved.algorithms,
    clockTolerance: resolved.clockTolerance,
    strictType: resolved.strictType,
    maxTokenAge: resolved.maxTokenAge,
    now,
  };
  const headers = new HeaderMemo();
  const toleranceMs = resolved.clockTolerance * 1000;
  const single = validators.length === 1 ? validators[0] : undefined;
  const refusedBy = new WeakMap<object, string>();
  // --- RFC 7662 introspection: opaque tokens of the one issuer that configures it ---
  const introspecting = validators.find((v) => v.config.introspection !== undefined);
  const introspector =
    introspecting === undefined
      ? undefined
      : new Introspector({
          validator: introspecting,
          config: introspecting.config.introspection!,
          clockTolerance: resolved.clockTolerance,
          maxTokenAge: resolved.maxTokenAge,
          now,
          logger,
          ...(options.fetch ? { fetch: options.fetch } : {}),
          maxBytes: resolved.keys.maxBytes,
          retryInterval: resolved.keys.retryInterval,
          maxEntries: resolved.cache.maxEntries,
        });
  // --- end RFC 7662 introspection ---

  /**
   * Routes by unverified `iss`; an `iss` on no list is refused before any request to anyone.
   * At once when an issuer known without a fetch claims the token.
   */
  function route(claims: Readonly<JWTPayload>): IssuerValidator | Promise<IssuerValidator> {
    const pending: IssuerValidator[] = [];
    for (const v of validators) {
      const known = v.knownIssuer;
      if (known === undefined) pending.push(v);
      else if (v.claims(known, claims)) return v;
    }
    if (pending.length === 0)
      throw untrusted(
        claims.iss,
        validators.map((v) => v.config.name),
      );
    return routeByMetadata(pending, claims);
  }

  /** Only issuers configured by metadata URL are left: their issuer comes from our own configured URL. */
  async function routeByMetadata(
    pending: readonly IssuerValidator[],
    claims: Readonly<JWTPayload>,
  ): Promise<IssuerValidator> {
    let unavailable: unknown;
    for (const v of pending) {
      try {
        if (v.claims(await v.trustedIssuer(), claims)) return v;
      } catch (error) {
        unavailable = error;
      }
    }
    if (unavailable) throw unavailable;
    throw untrusted(
      claims.iss,
      validators.map((v) => v.config.name),
    );
  }

  async function verify(token: string): Promise<Principal> {
    if (!verifyChannel.hasSubscribers) return lookup(token) ?? verifyAfresh(token);
    const started = performance.now();
    const hit = lookup(token);
    try {
      const principal = hit ?? (await verifyAfresh(token));
      publishAccepted(principal, hit !== undefined, started);
      return principal;
    } catch (error) {
      publishRefused(error, started);
      throw error;
    }
  }

  /** Tells the verify channel (called only when it has subscribers) what became of a token. */
  function publishAccepted(principal: Principal, cached: boolean, started: number): void {
    publishVerify('authenticate', undefined, issuerNameOf(principal), cached, performance.now() - started);
  }
  function publishRefused(error: unknown, started: number): void {
    // The issuer that refused it, when a token got that far (none for a missing or malformed one).
    publishVerify('authenticate', error, refusedBy.get(error as object), false, performance.now() - started);
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
    if (!principal) return undefined;
    if (single) return single.config.name;
    for (const v of validators) {
      const known = v.knownIssuer;
      if (known !== undefined && issuerFits(known, principal.issuer)) return v.config.name;
    }
    return undefined;
  }

  /** The whole verification; at once when routing, keys and imports need no wait (see `verifyToken`). */
  function verifyAfresh(token: string): Principal | Promise<Principal> {
    // RFC 7662: a token that is not a JWT goes to the introspection endpoint; JWTs never do.
    if (introspector !== undefined && !isCompactJws(token)) return introspector.verify(token);
    const header = checkHeader(token, policy, headers);
    let claims: JWTPayload | undefined;
    if (!single || single.needsClaimsToResolve) {
      try {
        claims = decodeJwt(token);
      } catch {
        throw new InvalidTokenError('ERR_TOKEN_MALFORMED', {
          description: 'The token is malformed',
          detail: 'claims are not a JSON object',
        });
      }
    }
    // A lone issuer with a routing condition (one B2C policy) still has its condition checked.
    const routed = single && !single.config.match ? single : route(claims!);
    if (routed instanceof Promise)
      return routed.then((validator) => verifyWith(token, header, claims, validator));
    return verifyWith(token, header, claims, routed);
  }

  function verifyWith(
    token: string,
    header: JWTHeaderParameters,
    claims: JWTPayload | undefined,
    validator: IssuerValidator,
  ): Principal | Promise<Principal> {
    let verified: VerifiedToken | Promise<VerifiedToken>;
    try {
      verified = verifyToken(token, header, claims, validator, policy);
    } catch (error) {
      if (verifyChannel.hasSubscribers) blame(error, validator);
      throw error;
    }
    if (verified instanceof Promise) {
      return verified.then(
        (v) => remember(token, v, validator),
        verifyChannel.hasSubscribers
          ? (error: unknown) => {
              blame(error, validator);
              throw error;
            }
          : undefined,
      );
    }
    return remember(token, verified, validator);
  }

  /** Notes which issuer refused a token, for the verify event that reports the refusal. */
  function blame(error: unknown, validator: IssuerValidator): void {
    if (typeof error === 'object' && error !== null) refusedBy.set(error, validator.config.name);
  }

  function remember(token: string, verified: VerifiedToken, validator: IssuerValidator): Principal {
    const principal = buildPrincipal(verified.payload, verified.issuer, validator.mapping);
    if (cache) {
      const nbf = typeof verified.payload.nbf === 'number' ? verified.payload.nbf * 1000 - toleranceMs : 0;
      // Claims are held twice (object and principal) and token text is 1-2 bytes a character.
      cache.set(token, principal, verified.key.id, nbf, token.length * 3);
    }
    return principal;
  }

  // --- DPoP (RFC 9449): the gate runs before and after the bearer path below; see dpop/binding.ts.
  const dpop = createDpopGate(resolved.dpop, resolved.mtls, {
    now,
    clockTolerance: resolved.clockTolerance,
    verifyToken: (token) => cache?.get(token, now()) ?? verifyAfresh(token),
    report: (error) => report(error, logger),
  });

  function authenticateNow(
    request: RequestLike,
    opts: AuthenticateOptions = {},
  ): Principal | null | Promise<Principal | null> {
    return dpop.authenticate(request, opts, authenticateBearer);
  }
  // --- end DPoP

  function authenticateBearer(
    request: RequestLike,
    opts: AuthenticateOptions = {},
  ): Principal | null | Promise<Principal | null> {
    // Read once: a subscriber arriving mid-request sees the next request, never half of this one.
    const observed = verifyChannel.hasSubscribers;
    const started = observed ? performance.now() : 0;
    let token: string | undefined;
    try {
      token = extractBearerToken(request);
      if (token === undefined) {
        if (opts.optional) return null;
        throw new MissingTokenError();
      }
    } catch (error) {
      report(error, logger);
      if (observed) publishRefused(error, started);
      throw error;
    }
    const hit = lookup(token);
    if (hit !== undefined) {
      if (observed) publishAccepted(hit, true, started);
      return hit;
    }
    let outcome: Principal | Promise<Principal>;
    try {
      outcome = verifyAfresh(token);
    } catch (error) {
      report(error, logger);
      if (observed) publishRefused(error, started);
      throw error;
    }
    if (!(outcome instanceof Promise)) {
      if (observed) publishAccepted(outcome, false, started);
      return outcome;
    }
    if (!observed) {
      return outcome.catch((error: unknown) => {
        report(error, logger);
        throw error;
      });
    }
    return outcome.then(
      (principal) => {
        publishAccepted(principal, false, started);
        return principal;
      },
      (error: unknown) => {
        report(error, logger);
        publishRefused(error, started);
        throw error;
      },
    );
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
        report(error, logger);
        // Refusals only: an acceptance was already told when the token was authenticated.
        if (verifyChannel.hasSubscribers)
          publishVerify('authorize', error, issuerNameOf(principal), false, 0);
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
    exportSnapshot: () => validators.flatMap((v) => v.keys.snapshot(v.config.source) ?? []),
    issuerMetadata: (name) =>
      (name === undefined ? validators[0] : validators.find((v) => v.config.name === name))?.keys.metadata
        .current,
    issuers: validators,
    // async: an untrusted `iss` becomes a rejection, as the interface says.
    route: async (claims) => route(claims),
  };
}

/** Every refusal is logged with its reason, never with the token. */
function report(error: unknown, logger: Logger): void {
  if (!(error instanceof GatehouseError)) {
    logger.error?.(
      { err: error instanceof Error ? error.message : String(error) },
      'gatehouse: unexpected error',
    );
    return;
  }
  if (error.code === 'ERR_TOKEN_MISSING') return;
  const entry = {
    code: error.code,
    status: error.status,
    reason: error.detail,
    ...(error.claim ? { claim: error.claim } : {}),
  };
  if (error.code === 'ERR_KEYS_UNAVAILABLE')
    logger.warn?.(entry, 'gatehouse: request refused, keys unavailable');
  else if (error.code === 'ERR_INTROSPECTION_UNAVAILABLE')
    logger.warn?.(entry, 'gatehouse: request refused, introspection unavailable');
  else logger.info?.(entry, `gatehouse: request refused: ${error.detail}`);
}
