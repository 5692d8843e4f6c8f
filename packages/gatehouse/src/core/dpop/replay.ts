/**
 * DPoP proof replay protection (RFC 9449 §11.1): a proof's `jti` is accepted once while the proof
 * could still pass the `iat` check; after that the `iat` check refuses it anyway, so records expire.
 */

/** Where seen proof ids are kept; shared by every instance that serves the same tokens. */
export interface ReplayStore {
  /**
   * Records `jti` (the SHA-256, base64url, of the proof key's thumbprint and the proof's `jti`,
   * so one client cannot burn another's ids) until `expiresAt`
   * (milliseconds since the epoch) and answers whether it was recorded before. Throwing or
   * rejecting means "cannot tell": the request is refused with 503 (fail closed).
   */
  seen(jti: string, expiresAt: number): boolean | Promise<boolean>;
}

export interface MemoryReplayStoreOptions {
  /** Records kept at most; when full of unexpired records, `seen` throws (503), never forgets. @default 200000 */
  maxEntries?: number;
  /** Milliseconds since the epoch. @default Date.now */
  clock?: () => number;
}

/** One process's replay records: bounded and expiring. Several instances need a shared store (Redis). */
export class MemoryReplayStore implements ReplayStore {
  readonly #records = new Map<string, number>();
  readonly #max: number;
  readonly #now: () => number;

  constructor(options: MemoryReplayStoreOptions = {}) {
    this.#max = options.maxEntries ?? 200_000;
    this.#now = options.clock ?? Date.now;
  }

  get size(): number {
    return this.#records.size;
  }

  seen(jti: string, expiresAt: number): boolean {
    const now = this.#now();
    const known = this.#records.get(jti);
    if (known !== undefined && known > now) return true;
    // Records arrive in roughly expiry order: drop expired ones from the oldest end.
    for (const [key, expiry] of this.#records) {
      if (expiry > now) break;
      this.#records.delete(key);
    }
    if (this.#records.size >= this.#max) {
      for (const [key, expiry] of this.#records) if (expiry <= now) this.#records.delete(key);
      // Forgetting a live record would let its proof be replayed: refuse instead (fail closed).
      if (this.#records.size >= this.#max) throw new Error('DPoP replay store is full');
    }
    this.#records.delete(jti);
    this.#records.set(jti, expiresAt);
    return false;
  }
}

/**
 * The one Redis command the Redis store needs, as ioredis spells it (`SET key value PX ms NX`);
 * typed structurally so that the library does not depend on any Redis client.
 */
export interface RedisSetClient {
  set(key: string, value: string, mode: 'PX', milliseconds: number, condition: 'NX'): Promise<unknown>;
}

export interface RedisReplayStoreOptions {
  /** @default 'gatehouse:dpop:jti:' */
  prefix?: string;
  /** Milliseconds since the epoch. @default Date.now */
  clock?: () => number;
}

/**
 * Replay records in Redis, shared by every instance: `SET <prefix><jti> 1 PX <ttl> NX` is atomic,
 * so of two instances receiving the same proof exactly one sees `OK`.
 */
export class RedisReplayStore implements ReplayStore {
  readonly #client: RedisSetClient;
  readonly #prefix: string;
  readonly #now: () => number;

  constructor(client: RedisSetClient, options: RedisReplayStoreOptions = {}) {
    this.#client = client;
    this.#prefix = options.prefix ?? 'gatehouse:dpop:jti:';
    this.#now = options.clock ?? Date.now;
  }

  async seen(jti: string, expiresAt: number): Promise<boolean> {
    const ttl = Math.max(1, Math.ceil(expiresAt - this.#now()));
    const answer = await this.#client.set(`${this.#prefix}${jti}`, '1', 'PX', ttl, 'NX');
    return answer !== 'OK';
  }
}
