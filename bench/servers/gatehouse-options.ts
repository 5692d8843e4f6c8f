/** The one Gatehouse configuration every Gatehouse server uses. */
import type { GatehouseOptions } from 'gatehouse-auth';
import type { ServerConfig } from '../lib/protocol.ts';

export function gatehouseOptions(config: ServerConfig): GatehouseOptions {
  return {
    issuer: config.issuer,
    audience: config.audience,
    // Default bounds when on; off for the distinct-token case, so every request pays a full verification.
    ...(config.cache ? {} : { cache: { enabled: false } }),
  };
}
