/**
 * Errors a store raises that callers act on. Anything else a store throws is a bug (500).
 */

/**
 * The database cannot be reached right now (refused, reset, timed out, shutting down, too many
 * connections). The API answers 503 + `Retry-After`; the store recovers by itself once the
 * database answers again.
 */
export class StoreUnavailableError extends Error {
  readonly code = 'ERR_STORE_UNAVAILABLE';
  /** Seconds a client should wait before retrying. */
  readonly retryAfter: number;
  constructor(message: string, options: { cause?: unknown; retryAfter?: number } = {}) {
    super(message, { cause: options.cause });
    this.name = 'StoreUnavailableError';
    this.retryAfter = options.retryAfter ?? 2;
  }
}

export function isStoreUnavailable(error: unknown): error is StoreUnavailableError {
  return error instanceof StoreUnavailableError;
}
