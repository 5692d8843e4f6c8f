/**
 * DPoP (RFC 9449) for the API: `AUTH_DPOP` picks the mode; with `REDIS_URL`, proof `jti`s are
 * recorded in Redis so that a proof replayed to another instance is refused too. A Redis that
 * does not answer fails closed: Gatehouse answers 503 + Retry-After, never accepts the proof.
 * With `AUTH_DPOP_NONCE_SECRET`, proofs must also carry a nonce the API handed out (RFC 9449 §9).
 */
import { type DpopOptions, RedisReplayStore, type ReplayStore } from 'gatehouse-auth';
import { Redis } from 'ioredis';
import type { Config } from './config.ts';

/** Longest wait for Redis to record a proof, in ms; past it the request gets 503. */
const COMMAND_TIMEOUT_MS = 500;

export interface DpopReplay {
  store: ReplayStore;
  close(): Promise<void>;
}

/** Proof `jti`s in Redis under `todo-api:dpop:` (after any `keyPrefix` given in the URL). */
export function createRedisReplay(url: string): DpopReplay {
  const client = new Redis(url, {
    commandTimeout: COMMAND_TIMEOUT_MS,
    connectTimeout: 2000,
    // No queue while disconnected: a proof is refused (503) at once rather than waiting.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
  });
  client.on('error', () => undefined); // each failed command already fails its request closed
  const store = new RedisReplayStore(
    { set: (key, value, mode, ms, condition) => client.set(key, value, mode, ms, condition) },
    { prefix: 'todo-api:dpop:' },
  );
  return {
    store,
    close: async () => {
      client.disconnect();
    },
  };
}

/** Gatehouse's `dpop` option for this configuration. */
export function dpopOptions(config: Config, replay?: DpopReplay): DpopOptions {
  return {
    mode: config.dpop,
    // htu is checked against the URL clients call: PUBLIC_URL when set (behind a proxy).
    ...(config.publicUrl ? { publicUrl: config.publicUrl } : {}),
    ...(replay ? { replayStore: replay.store } : {}),
    // The answers hand out each next nonce before the one in use expires (RFC 9449 §8.2).
    ...(config.dpopNonce ? { nonce: config.dpopNonce } : {}),
  };
}
