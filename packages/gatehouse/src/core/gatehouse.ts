import { GatehouseError, KeysUnavailableError, MissingTokenError } from './errors.ts';
import { extractBearerToken, type RequestLike } from './extract.ts';
import { IssuerKeys, type KeySetSnapshot, type KeySetStatus } from './issuer-keys.ts';
import { type Logger, silentLogger } from './logger.ts';
import { IssuerMetadataSource } from './metadata-source.ts';
import { type GatehouseOptions, type ResolvedOptions, resolveOptions } from './options.ts';
import { authorize as authorizePrincipal, type Requirement } from './policy.ts';
import { buildPrincipal, type ClaimMapping, defaultClaimMapping, type Principal } from './principal.ts';
import { TokenCache } from './token-cache.ts';
import { type VerifyPolicy, verifyToken } from './verify.ts';

export interface AuthenticateOptions {
  /** Let a request without a token through as anonymous (`null`). A bad token is still refused. */
  optional?: boolean;
}

export interface Gatehouse {
  readonly options: ResolvedOptions;
  /** Verifies a raw token and returns its principal, or throws a `GatehouseError`. */
  verify(token: string): Promise<Principal>;
  /** Extracts and verifies the bearer token of a request. `null` only when optional and no token was sent. */
  authenticate(request: RequestLike, options?: AuthenticateOptions): Promise<Principal | null>;
  /** Applies requirements to a principal; throws 401 for none, 403 for a failed requirement. */
  authorize(principal: Principal | null | undefined, requirements: readonly Requirement[]): Principal;
  /** True once signing keys are loaded. */
  readonly ready: boolean;
  /** Starts loading metadata and keys in the background and keeps them fresh. Never blocks. */
  start(): void;
  /** Stops background timers. */
  close(): void;
  status(): KeySetStatus;
  /** Verified-token cache counters, when the cache is on. */
  cacheStats(): { size: number; bytes: number; hits: number; misses: number } | undefined;
  exportSnapshot(): KeySetSnapshot | undefined;
  /** For diagnostics (`gatehouse explain`). */
  readonly keys: IssuerKeys;
}

/** Builds a verifier for one issuer. Options are validated here; a mistake throws at start-up. */
export function createGatehouse(options: GatehouseOptions): Gatehouse {
  const resolved = resolveOptions(options);
  const logger: Logger = options.logger ?? silentLogger;
  const now = options.clock ?? Date.now;
  const fetchOptions = {
    timeout: resolved.keys.timeout,
    maxBytes: resolved.keys.maxBytes,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  };
  const { source } = resolved;
  const metadata =
    source.kind === 'jwks'
      ? IssuerMetadataSource.fixed(source.issuer, source.jwksUri)
      : IssuerMetadataSource.discovered(
          source.metadataUrl,
          source.issuer,
          {
            ...fetchOptions,
            maxAge: resolved.keys.metadataMaxAge,
            retryInterval: resolved.keys.retryInterval,
          },
          now,
          logger,
        );
  const cache = resolved.cache.enabled ? new TokenCache(resolved.cache) : undefined;
  const keys = new IssuerKeys(
    metadata,
    {
      ...fetchOptions,
      cooldown: resolved.keys.cooldown,
      maxAge: resolved.keys.maxAge,
      retryInterval: resolved.keys.retryInterval,
    },
    now,
    logger,
    (store) => cache?.retainKeys(new Set(store.keys.map((k) => k.id))),
  );
  if (options.snapshot) restoreSnapshot(keys, options.snapshot, source, logger);
  const mapping: ClaimMapping = { ...defaultClaimMapping, ...options.claims };
  const policy: VerifyPolicy = {
    audience: resolved.audience,
    algorithms: resolved.algorithms,
    clockTolerance: resolved.clockTolerance,
    strictType: resolved.strictType,
    now,
  };

  const toleranceMs = resolved.clockTolerance * 1000;

  async function verify(token: string): Promise<Principal> {
    const cached = cache?.get(token, now());
    if (cached) return cached;
    const verified = await verifyToken(token, keys, policy);
    const principal = buildPrincipal(verified.payload, verified.issuer, mapping);
    if (cache) {
      const nbf = typeof verified.payload.nbf === 'number' ? verified.payload.nbf * 1000 - toleranceMs : 0;
      // Claims are held twice (object and principal) and token text is 1-2 bytes a character.
      cache.set(token, principal, verified.key.id, nbf, token.length * 3);
    }
    return principal;
  }

  async function authenticate(
    request: RequestLike,
    opts: AuthenticateOptions = {},
  ): Promise<Principal | null> {
    try {
      const token = extractBearerToken(request);
      if (token === undefined) {
        if (opts.optional) return null;
        throw new MissingTokenError();
      }
      return await verify(token);
    } catch (error) {
      report(error, logger);
      throw error;
    }
  }

  return {
    options: resolved,
    verify,
    authenticate,
    authorize: (principal, requirements) => {
      try {
        return authorizePrincipal(principal, requirements);
      } catch (error) {
        report(error, logger);
        throw error;
      }
    },
    get ready() {
      return keys.ready;
    },
    start: () => keys.start(),
    close: () => keys.stop(),
    status: () => keys.status(),
    cacheStats: () =>
      cache ? { size: cache.size, bytes: cache.bytes, hits: cache.hits, misses: cache.misses } : undefined,
    exportSnapshot: () => keys.snapshot(),
    keys,
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
  if (error instanceof KeysUnavailableError)
    logger.warn?.(entry, 'gatehouse: request refused, keys unavailable');
  else logger.info?.(entry, `gatehouse: request refused: ${error.detail}`);
}

function restoreSnapshot(
  keys: IssuerKeys,
  snapshot: KeySetSnapshot,
  source: ResolvedOptions['source'],
  logger: Logger,
): void {
  if (
    snapshot?.version !== 1 ||
    typeof snapshot.issuer !== 'string' ||
    typeof snapshot.jwksUri !== 'string'
  ) {
    throw new GatehouseError('ERR_CONFIGURATION', 500, undefined, {
      description: 'gatehouse: snapshot is not a version 1 key set snapshot',
    });
  }
  if (source.issuer !== undefined && snapshot.issuer !== source.issuer) {
    throw new GatehouseError('ERR_CONFIGURATION', 500, undefined, {
      description: `gatehouse: snapshot is for issuer ${snapshot.issuer}, not ${source.issuer}`,
    });
  }
  keys.restore(snapshot, logger);
}
