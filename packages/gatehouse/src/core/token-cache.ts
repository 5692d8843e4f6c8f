import type { Principal } from './principal.ts';

/**
 * Verified tokens, so a client that sends the same token for an hour pays for one signature
 * check, not thousands. Keyed by the whole token string, so a hit is impossible for any other
 * token. Only successes are stored: a failure costs an attacker a full verification and cannot
 * push good entries out. Authorization still runs on every request, on the cached principal.
 */
export interface TokenCacheOptions {
  /** @default 10000 */
  maxEntries: number;
  /** Approximate bytes held (token text plus claims). @default 33554432 (32 MiB) */
  maxBytes: number;
}

interface Entry {
  principal: Principal;
  /** Milliseconds: the entry is dropped at the token's `exp`, whatever the clock tolerance. */
  expiresAt: number;
  /** Milliseconds: `nbf` less the tolerance; before it the token would not verify. */
  notBefore: number;
  /** Which JWKS key signed it, so its entries go when that key leaves the set. */
  keyId: string;
  bytes: number;
}

export class TokenCache {
  readonly #entries = new Map<string, Entry>();
  readonly #options: TokenCacheOptions;
  #bytes = 0;
  hits = 0;
  misses = 0;

  constructor(options: TokenCacheOptions) {
    this.#options = options;
  }

  get size(): number {
    return this.#entries.size;
  }

  get bytes(): number {
    return this.#bytes;
  }

  get(token: string, now: number): Principal | undefined {
    const entry = this.#entries.get(token);
    if (entry === undefined) {
      this.misses++;
      return undefined;
    }
    if (now >= entry.expiresAt || now < entry.notBefore) {
      this.#delete(token, entry);
      this.misses++;
      return undefined;
    }
    this.hits++;
    return entry.principal;
  }

  set(token: string, principal: Principal, keyId: string, notBefore: number, bytes: number): void {
    const expiresAt = principal.expiresAt * 1000;
    const size = token.length + bytes;
    if (size > this.#options.maxBytes / 16) return; // one huge token may not crowd out many
    const existing = this.#entries.get(token);
    if (existing) this.#delete(token, existing);
    this.#entries.set(token, { principal, expiresAt, notBefore, keyId, bytes: size });
    this.#bytes += size;
    // Map iteration order is insertion order: the first entries are the oldest.
    while (this.#entries.size > this.#options.maxEntries || this.#bytes > this.#options.maxBytes) {
      const oldest = this.#entries.keys().next();
      if (oldest.done) break;
      this.#delete(oldest.value, this.#entries.get(oldest.value)!);
    }
  }

  /** Drops entries whose signing key is no longer published. */
  retainKeys(keyIds: ReadonlySet<string>): void {
    for (const [token, entry] of this.#entries) if (!keyIds.has(entry.keyId)) this.#delete(token, entry);
  }

  clear(): void {
    this.#entries.clear();
    this.#bytes = 0;
  }

  #delete(token: string, entry: Entry): void {
    this.#entries.delete(token);
    this.#bytes -= entry.bytes;
  }
}
