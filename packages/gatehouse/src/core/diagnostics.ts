/**
 * Events on Node's diagnostics_channel, for metrics and tracing without a dependency or a hook in
 * the options. A channel without subscribers costs one property read per publish point: no event
 * object is built and no clock is read unless someone listens. Events carry codes, outcomes and
 * issuer names, never a token, a claim or a user's identifier.
 */
import { channel } from 'node:diagnostics_channel';
import { GatehouseError, type GatehouseErrorCode } from './errors.ts';

/** The channel names, for `diagnostics_channel.subscribe(name, listener)`. */
export const DIAGNOSTICS_CHANNELS = {
  /** One `VerifyEvent` per decision on a request or token: accepted, refused or failed. */
  verify: 'gatehouse-auth:verify',
  /** One `KeysEvent` per fetch of an issuer's metadata or key set, successful or not. */
  keys: 'gatehouse-auth:keys',
  /** One `CacheEvent` per lookup in the verified-token cache (when the cache is on). */
  cache: 'gatehouse-auth:cache',
} as const;

export interface VerifyEvent {
  /** `error` is an unexpected failure (a bug or a misbehaving hook), not a judgement on the token. */
  readonly outcome: 'accepted' | 'refused' | 'error';
  /** `authenticate` judges the token; `authorize` the principal against a route's requirements. */
  readonly stage: 'authenticate' | 'authorize';
  /** The refusal's code; undefined when accepted. `ERR_TOKEN_MISSING` when no token was sent. */
  readonly code: GatehouseErrorCode | undefined;
  /** The HTTP status the refusal answers with (401, 403, 400, 503); undefined when accepted. */
  readonly status: number | undefined;
  /** The configured name of the issuer that judged the token, when one was chosen. */
  readonly issuer: string | undefined;
  /** True when the verified-token cache answered. */
  readonly cached: boolean;
  /** Milliseconds from the start of the decision to its outcome (0 for `authorize`). */
  readonly durationMs: number;
}

export interface KeysEvent {
  /** The configured name of the issuer. */
  readonly issuer: string;
  /** `jwks`: the key set (its load includes the metadata it needs); `metadata`: the discovery document. */
  readonly resource: 'jwks' | 'metadata';
  readonly outcome: 'loaded' | 'failed';
  readonly durationMs: number;
  /** Usable keys in the set, for a loaded `jwks`. */
  readonly keyCount: number | undefined;
  /** The error's code or class name for a failure (never its message, which may quote a URL or a body). */
  readonly error: string | undefined;
}

export interface CacheEvent {
  readonly result: 'hit' | 'miss';
}

export const verifyChannel = channel(DIAGNOSTICS_CHANNELS.verify);
export const keysChannel = channel(DIAGNOSTICS_CHANNELS.keys);
export const cacheChannel = channel(DIAGNOSTICS_CHANNELS.cache);

// Shared and frozen: a subscribed cache channel allocates nothing per lookup either.
export const CACHE_HIT: CacheEvent = Object.freeze({ result: 'hit' });
export const CACHE_MISS: CacheEvent = Object.freeze({ result: 'miss' });

/** What became of one token at one stage: `error` undefined for an acceptance. */
export interface VerifyOutcome {
  stage: VerifyEvent['stage'];
  error: unknown;
  issuer: string | undefined;
  cached: boolean;
  durationMs: number;
}

/** Publishes a verify event for `error`, or an acceptance when `error` is undefined. Callers check `hasSubscribers`. */
export function publishVerify({ stage, error, issuer, cached, durationMs }: VerifyOutcome): void {
  const known = error instanceof GatehouseError;
  const event: VerifyEvent = {
    outcome: error === undefined ? 'accepted' : known ? 'refused' : 'error',
    stage,
    code: known ? error.code : undefined,
    status: known ? error.status : error === undefined ? undefined : 500,
    issuer,
    cached,
    durationMs,
  };
  verifyChannel.publish(event);
}

/**
 * `load` with a keys event after each run when someone listens; `count` tells how many keys a
 * loaded value holds.
 */
export function observedLoad<T>(
  issuer: string,
  resource: KeysEvent['resource'],
  load: () => Promise<T>,
  count: (value: T) => number | undefined = () => undefined,
): () => Promise<T> {
  return async () => {
    if (!keysChannel.hasSubscribers) return load();
    const started = performance.now();
    try {
      const value = await load();
      publishKeys({
        issuer,
        resource,
        outcome: 'loaded',
        durationMs: performance.now() - started,
        keyCount: count(value),
        error: undefined,
      });
      return value;
    } catch (error) {
      publishKeys({
        issuer,
        resource,
        outcome: 'failed',
        durationMs: performance.now() - started,
        keyCount: undefined,
        error: errorKind(error),
      });
      throw error;
    }
  };
}

function publishKeys(event: KeysEvent): void {
  keysChannel.publish(event);
}

function errorKind(error: unknown): string {
  if (error instanceof GatehouseError) return error.code;
  if (error instanceof Error) {
    const code = (error as Error & { code?: unknown }).code;
    return typeof code === 'string' ? code : error.name;
  }
  return typeof error;
}
