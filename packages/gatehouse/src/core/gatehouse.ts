import { GatehouseError, KeysUnavailableError, MissingTokenError } from './errors.ts';
import { extractBearerToken, type RequestLike } from './extract.ts';
import { IssuerKeys, type KeySetSnapshot, type KeySetStatus } from './issuer-keys.ts';
import { type Logger, silentLogger } from './logger.ts';
import { IssuerMetadataSource } from './metadata-source.ts';
import { type GatehouseOptions, type ResolvedOptions, resolveOptions } from './options.ts';
import { authorize as authorizePrincipal, type Requirement } from './policy.ts';
import { buildPrincipal, type ClaimMapping, defaultClaimMapping, type Principal } from './principal.ts';
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

  async function verify(token: string): Promise<Principal> {
    const verified = await verifyToken(token, keys, policy);
    return buildPrincipal(verified.payload, verified.issuer, mapping);
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
