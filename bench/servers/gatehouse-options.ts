/** The one Gatehouse configuration every Gatehouse server uses. */
import { type GatehouseOptions, MemoryReplayStore } from 'gatehouse-auth';
import type { ServerConfig } from '../lib/protocol.ts';

/**
 * A proof's `jti` is remembered for its whole window (iat + 60 s + the 60 s clock tolerance): at
 * the bench's rates the default bound of 200,000 records would fill within a minute and refuse
 * with 503 (fail closed), so the store is sized for 10,000 req/s, as a server taking that load
 * would have to be.
 */
const REPLAY_RECORDS = 10_000 * 125;

export function gatehouseOptions(config: ServerConfig): GatehouseOptions {
  return {
    issuer: config.issuer,
    audience: config.audience,
    // Default bounds when on; off for the distinct-token case, so every request pays a full verification.
    ...(config.cache ? {} : { cache: { enabled: false } }),
    ...(config.dpop
      ? { dpop: { mode: 'required', replayStore: new MemoryReplayStore({ maxEntries: REPLAY_RECORDS }) } }
      : {}),
  };
}
