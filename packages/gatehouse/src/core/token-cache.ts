import type { Principal } from './principal.ts';

/**
 * Verified tokens, so a client that sends the same token for an hour pays for one signature
 * check, not thousands. Only successes are stored: a failure costs an attacker a full
 * verification and cannot push good entries out. Authorization still runs on every request, on
 * the cached principal.
 *
 * A token is admitted on its second successful verification within a short while, not its first.
 * A stream of tokens each seen once (a flood of fresh tokens, or many one-shot clients) then
 * never enters the cache: it neither evicts the entries of clients that do reuse their token nor
 * turns every request into long-lived garbage (each survivor makes V8 grow its young generation,
 * which is most of what such a stream would cost in memory). The price is one more signature
 * check per token.
 */
export interface TokenCacheOptions {
  /** @default 10000 */
  maxEntries: number;
  /** Approximate bytes held (token text plus claims). @default 33554432 (32 MiB) */
  maxBytes: number;
}

interface Entry {
  /** The whole token: a hit is confirmed against it, so no other token can ever be answered. */
  token: string;
  principal: Principal;
  /** Milliseconds: the entry is dropped at the token's `exp`, whatever the clock tolerance. */
  expiresAt: number;
  /** Milliseconds: `nbf` less the tolerance; before it the token would not verify. */
  notBefore: number;
  /** Which JWKS key signed it, so its entries go when that key leaves the set. */
  keyId: string;
  bytes: number;
}

/**
 * Entries are found by the last characters of the signature: hashing 32 characters costs a
 * fraction of hashing a whole token (about a kilobyte), and they are as unpredictable as the
 * signature itself. Equality with the whole stored token decides a hit.
 */
const KEY_CHARS = 32;
const keyOf = (token: string): string => (token.length > KEY_CHARS ? token.slice(-KEY_CHARS) : token);

/** FNV-1a over the signature's last characters; never 0, which marks an empty slot. */
function fingerprint(token: string): number {
  let hash = 0x811c9dc5;
  for (let i = Math.max(0, token.length - 16); i < token.length; i++) {
    hash = Math.imul(hash ^ token.charCodeAt(i), 0x01000193);
  }
  return hash >>> 0 || 1;
}

export class TokenCache {
  readonly #entries = new Map<string, Entry>();
  readonly #options: TokenCacheOptions;
  /**
   * Fingerprints of tokens verified once and not yet admitted, one per slot; a newer token that
   * lands on the same slot replaces the older, so the table forgets by itself. A false match
   * only admits a verified token one use early.
   */
  readonly #seen: Uint32Array;
  #bytes = 0;
  hits = 0;
  misses = 0;

  constructor(options: TokenCacheOptions) {
    this.#options = options;
    let slots = 1024;
    while (slots < options.maxEntries * 2 && slots < 1 << 20) slots <<= 1;
    this.#seen = new Uint32Array(slots);
  }

  get size(): number {
    return this.#entries.size;
  }

  get bytes(): number {
    return this.#bytes;
  }

  get(token: string, now: number): Principal | undefined {
    const key = keyOf(token);
    const entry = this.#entries.get(key);
    if (entry === undefined || entry.token !== token) {
      this.misses++;
      return undefined;
    }
    if (now >= entry.expiresAt || now < entry.notBefore) {
      this.#delete(key, entry);
      this.misses++;
      return undefined;
    }
    this.hits++;
    return entry.principal;
  }

  /** Offers a verified token; it is stored the second time it is offered. */
  set(token: string, principal: Principal, keyId: string, notBefore: number, bytes: number): void {
    const size = token.length + bytes;
    if (size > this.#options.maxBytes / 16) return; // one huge token may not crowd out many
    const print = fingerprint(token);
    const slot = print & (this.#seen.length - 1);
    if (this.#seen[slot] !== print) {
      this.#seen[slot] = print;
      return;
    }
    this.#seen[slot] = 0;
    const key = keyOf(token);
    const existing = this.#entries.get(key);
    if (existing) this.#delete(key, existing);
    this.#entries.set(key, {
      token,
      principal,
      expiresAt: principal.expiresAt * 1000,
      notBefore,
      keyId,
      bytes: size,
    });
    this.#bytes += size;
    // Map iteration order is insertion order: the first entries are the oldest.
    while (this.#entries.size > this.#options.maxEntries || this.#bytes > this.#options.maxBytes) {
      const oldest = this.#entries.entries().next();
      if (oldest.done) break;
      this.#delete(oldest.value[0], oldest.value[1]);
    }
  }

  /** Drops entries whose signing key is no longer published. */
  retainKeys(keyIds: ReadonlySet<string>): void {
    for (const [key, entry] of this.#entries) if (!keyIds.has(entry.keyId)) this.#delete(key, entry);
  }

  #delete(key: string, entry: Entry): void {
    this.#entries.delete(key);
    this.#bytes -= entry.bytes;
  }
}
