import { GatehouseError } from './errors.ts';
import type { Logger } from './logger.ts';

/** Every refusal is logged with its reason, never with the token. */
export function logRefusal(error: unknown, logger: Logger): void {
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
