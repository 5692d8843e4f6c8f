/**
 * DPoP proof replay protection (RFC 9449 §11.1): a proof's `jti` is accepted once while the proof
 * could still pass the `iat` check; after that the `iat` check refuses it anyway, so records expire.
 */
import { hash } from 'node:crypto';
import { FingerprintTable } from './fingerprint-table.ts';

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
  /**
   * Records kept at most; when full of unexpired records, `seen` throws (503), never forgets.
   * About 30 bytes a record: the default, 2,000,000, is some 60 MB at most, and holds every proof
   * of 13,000 requests a second (more than one core verifies) for the default 121 s, and the up
   * to 30 s its generation keeps an expired record.
   * @default 2000000
   */
  maxEntries?: number;
  /** Milliseconds since the epoch. @default Date.now */
  clock?: () => number;
}

/**
 * Records expiring within the same span of this many milliseconds share a table, dropped whole once
 * its span has passed: expiry costs nothing per record, and the few tables (5 or 6 for the default
 * 121 s) are all a lookup visits. Every new proof is looked up in each of them, and in a busy
 * store each look is a cache miss: with 10 s spans (13 tables) the store was the dearest part of
 * a DPoP request after the signature. Longer spans keep expired records longer (up to a span).
 */
const GENERATION_SPAN = 30_000;
/** Milliseconds between purges of expired records while the store is full... */
const PURGE_INTERVAL = 1_000;
/** ...unless the table is this small (4,096 slots): rebuilding it costs microseconds. */
const CHEAP_PURGE_BYTES = 64 * 1024;

interface Generation {
  /** `start / GENERATION_SPAN`. */
  readonly index: number;
  /** Expiries in this generation are from `start` (included) to `start + GENERATION_SPAN`. */
  readonly start: number;
  readonly table: FingerprintTable;
}

/** 96 bits of a SHA-256 digest given as a binary (latin1) string, a character a byte. */
function digestWords(digest: string): [number, number, number] {
  const word = (at: number) =>
    (digest.charCodeAt(at) |
      (digest.charCodeAt(at + 1) << 8) |
      (digest.charCodeAt(at + 2) << 16) |
      (digest.charCodeAt(at + 3) << 24)) >>>
    0;
  return [word(0), word(4), word(8)];
}

/**
 * 96 bits of the SHA-256 of a record id: ids of any length take 16 bytes, and cannot be steered.
 * The one-shot `hash` into a binary string costs a fifth of `createHash` and a Buffer.
 */
function fingerprint(id: string): [number, number, number] {
  return digestWords(hash('sha256', id, 'binary'));
}

/**
 * The DPoP gate's own way into the memory store: the SHA-256 of a proof's key thumbprint and `jti`
 * (binary string), which already is a fingerprint no client can steer, so it is not hashed again.
 * Every other caller, and every other store, gets the base64url id through `seen`.
 */
export function seenDigest(
  store: ReplayStore,
  digest: string,
  expiresAt: number,
): boolean | Promise<boolean> {
  if (store instanceof MemoryReplayStore && Object.getPrototypeOf(store) === MemoryReplayStore.prototype)
    return store.seenWords(digestWords(digest), expiresAt);
  return store.seen(Buffer.from(digest, 'latin1').toString('base64url'), expiresAt);
}

/** One process's replay records: bounded and expiring. Several instances need a shared store (Redis). */
export class MemoryReplayStore implements ReplayStore {
  /** A handful (one per span the longest expiry covers): a plain array is the cheapest to walk. */
  readonly #generations: Generation[] = [];
  readonly #max: number;
  readonly #now: () => number;
  #purgedAt = Number.NEGATIVE_INFINITY;

  constructor(options: MemoryReplayStoreOptions = {}) {
    this.#max = options.maxEntries ?? 2_000_000;
    this.#now = options.clock ?? Date.now;
  }

  /** Records held, expired ones included until their table is dropped or the store fills. */
  get size(): number {
    let size = 0;
    for (const generation of this.#generations) size += generation.table.count;
    return size;
  }

  /** Bytes of the record tables. */
  get byteLength(): number {
    let bytes = 0;
    for (const generation of this.#generations) bytes += generation.table.byteLength;
    return bytes;
  }

  /**
   * Drops expired records; from a large table at most once a `PURGE_INTERVAL`, since a full store is
   * asked on every request and rebuilding every table each time stalled the event loop for all of
   * them. Only the generation whose span holds `now` can hold expired records: older ones were
   * dropped whole, newer ones have not begun to expire.
   */
  #purge(now: number): void {
    const index = Math.floor(now / GENERATION_SPAN);
    const current = this.#generations.find((generation) => generation.index === index);
    if (current === undefined) return;
    if (current.table.byteLength > CHEAP_PURGE_BYTES && now - this.#purgedAt < PURGE_INTERVAL) return;
    this.#purgedAt = now;
    current.table.dropUntil(now - current.start);
  }

  seen(jti: string, expiresAt: number): boolean {
    return this.seenWords(fingerprint(jti), expiresAt);
  }

  /** @internal `seen` for a record already reduced to its 96-bit fingerprint (see `seenDigest`). */
  seenWords([a, b, c]: readonly [number, number, number], expiresAt: number): boolean {
    if (!Number.isFinite(expiresAt)) throw new TypeError('expiresAt must be a finite number');
    const now = this.#now();
    const expiry = Math.ceil(expiresAt);
    const index = Math.floor(expiry / GENERATION_SPAN);
    let target: Generation | undefined;
    let slotInTarget = -1;
    let size = 0;
    const generations = this.#generations;
    for (let i = 0; i < generations.length; i++) {
      const generation = generations[i]!;
      if (generation.start + GENERATION_SPAN <= now) {
        generations.splice(i--, 1); // every record in it has expired
        continue;
      }
      const { table } = generation;
      const slot = table.find(a, b, c);
      if (slot !== -1 && generation.start + table.expiryOf(slot) > now) return true;
      if (generation.index === index) {
        target = generation;
        slotInTarget = slot;
      }
      size += table.count;
    }
    if (expiry <= now) return false; // already expired: nothing to remember
    if (target !== undefined && slotInTarget !== -1) {
      // The same id, expired, in the table it now belongs to: renew it in place.
      target.table.setExpiry(slotInTarget, expiry - target.start);
      return false;
    }
    if (size >= this.#max) {
      this.#purge(now);
      // Forgetting a live record would let its proof be replayed: refuse instead (fail closed).
      if (this.size >= this.#max) throw new Error('DPoP replay store is full');
    }
    if (target === undefined) {
      target = { index, start: index * GENERATION_SPAN, table: new FingerprintTable() };
      generations.push(target);
    }
    target.table.add(a, b, c, expiry - target.start);
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
