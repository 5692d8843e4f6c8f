/**
 * Rate-limit state in Redis, shared by every API instance, so a caller's budget holds whichever
 * instance answers. When Redis cannot be reached (down, refused, or not answering within
 * `commandTimeoutMs`), rate-limiter-flexible's insurance limiter takes over: budgets are then
 * counted in this instance's memory until Redis answers again. Callers never see an error for it;
 * the log says when it starts and ends, and `/ready` shows it under `checks.rateLimit`.
 */
import type { FastifyBaseLogger } from 'fastify';
import { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, type RateLimiterRes } from 'rate-limiter-flexible';
import type { Limiter } from './rate-limit.ts';

export const REDIS_DEFAULTS = {
  /** Longest wait to open a connection, in ms. */
  connectTimeoutMs: 2000,
  /** Longest wait for one command; past it the call is counted locally instead, in ms. */
  commandTimeoutMs: 500,
  /** Reconnection attempts back off up to this delay, in ms, and never stop. */
  maxReconnectDelayMs: 2000,
  /** After the local limiter last had to stand in, how long the state still counts as local, in ms. */
  recentFallbackMs: 5000,
  /** Prefix of this limiter's keys (after any `keyPrefix` given in the URL). */
  keyPrefix: 'todo-api:rl',
} as const;

/** What `/ready` reports about rate limiting. Never fails readiness: the local limiter keeps serving. */
export interface RateLimitStatus {
  ok: true;
  store: 'memory' | 'redis' | 'off';
  /** True while budgets are shared with every instance through Redis. */
  shared: boolean;
  /** Where calls are counted while Redis is unreachable. */
  fallback?: 'memory';
  /** Why Redis is not being used right now, in general terms (the log has the driver's detail). */
  error?: string;
}

export interface RateLimitBackend {
  limiter: Limiter;
  status(): RateLimitStatus;
  close(): Promise<void>;
}

export interface RedisRateLimitOptions {
  /** `redis://` or `rediss://` URL; ioredis options in its query (e.g. `?keyPrefix=prod:`) apply. */
  url: string;
  points: number;
  durationSeconds: number;
  logger: Pick<FastifyBaseLogger, 'info' | 'warn'>;
  connectTimeoutMs?: number;
  commandTimeoutMs?: number;
  keyPrefix?: string;
}

/** The insurance limiter, noting when it last had to stand in for Redis. */
class LocalFallback extends RateLimiterMemory {
  lastUsed = 0;
  onUse: () => void = () => undefined;

  override consume(
    key: string | number,
    points?: number,
    options?: Record<string, unknown>,
  ): Promise<RateLimiterRes> {
    this.#used();
    return super.consume(key, points, options);
  }

  override get(key: string | number, options?: Record<string, unknown>): Promise<RateLimiterRes | null> {
    this.#used();
    return super.get(key, options);
  }

  #used(): void {
    this.lastUsed = Date.now();
    this.onUse();
  }
}

export function createRedisRateLimit(options: RedisRateLimitOptions): RateLimitBackend {
  const { logger } = options;
  const client = new Redis(options.url, {
    // Fail at once while disconnected (the local limiter answers) instead of queueing.
    enableOfflineQueue: false,
    connectTimeout: options.connectTimeoutMs ?? REDIS_DEFAULTS.connectTimeoutMs,
    commandTimeout: options.commandTimeoutMs ?? REDIS_DEFAULTS.commandTimeoutMs,
    maxRetriesPerRequest: 0,
    retryStrategy: (attempt) =>
      Math.min(100 * 2 ** Math.min(attempt, 10), REDIS_DEFAULTS.maxReconnectDelayMs),
  });
  const fallback = new LocalFallback({ points: options.points, duration: options.durationSeconds });
  const redisLimiter = new RateLimiterRedis({
    storeClient: client,
    points: options.points,
    duration: options.durationSeconds,
    keyPrefix: options.keyPrefix ?? REDIS_DEFAULTS.keyPrefix,
    rejectIfRedisNotReady: true,
    insuranceLimiter: fallback,
  });

  // 'connecting' only until the first connection succeeds or fails.
  let state: 'connecting' | 'shared' | 'local' = 'connecting';
  let lastError: string | undefined;

  const toShared = (): void => {
    if (state === 'shared') return;
    logger.info(
      { rateLimit: 'redis' },
      state === 'local'
        ? 'Redis reachable again: rate limits are shared by every instance'
        : 'rate limits are shared by every instance through Redis',
    );
    state = 'shared';
    lastError = undefined;
  };
  /** `reason` goes to the log; `shown` is what unauthenticated `/ready` callers may read. */
  const toLocal = (reason: string, shown = 'Redis is unreachable'): void => {
    lastError = shown;
    if (state === 'local') return;
    logger.warn(
      { rateLimit: 'memory', error: reason },
      'Redis unreachable: rate limits are counted by this instance alone until it answers again',
    );
    state = 'local';
  };
  /** Back to shared once Redis is connected and has answered every call for a while. */
  const recover = (): void => {
    const quiet = Date.now() - fallback.lastUsed >= REDIS_DEFAULTS.recentFallbackMs;
    if (state === 'local' && client.status === 'ready' && quiet) toShared();
  };

  client.on('ready', () => {
    fallback.lastUsed = 0;
    toShared();
  });
  client.on('error', (error: Error) => toLocal(error.message));
  client.on('close', () => {
    if (state === 'shared') toLocal('connection closed', 'Redis connection closed');
  });
  fallback.onUse = () => {
    // Connected, yet the call fell back: Redis did not answer in time.
    if (client.status === 'ready') {
      const reason = `no answer within ${client.options.commandTimeout} ms`;
      toLocal(reason, reason);
    }
  };

  return {
    limiter: {
      consume: (key) => redisLimiter.consume(key).finally(recover),
      get: (key) => redisLimiter.get(key).finally(recover),
    },
    status: () => {
      recover();
      if (state === 'shared') return { ok: true, store: 'redis', shared: true };
      return {
        ok: true,
        store: 'redis',
        shared: false,
        fallback: 'memory',
        error: lastError ?? `Redis connection is ${client.status}`,
      };
    },
    close: async () => {
      // Closing is not an outage: nothing more to log.
      client.removeAllListeners('ready');
      client.removeAllListeners('close');
      client.removeAllListeners('error');
      client.on('error', () => undefined);
      await Promise.race([client.quit().catch(() => undefined), new Promise((r) => setTimeout(r, 500))]);
      client.disconnect();
    },
  };
}
