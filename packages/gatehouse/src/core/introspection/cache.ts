import { createHash } from 'node:crypto';
import type { GatehouseError } from '../errors.ts';
import type { Principal } from '../principal.ts';

/** What the endpoint's answer came to: a principal, or the refusal to repeat. */
export type Outcome = { principal: Principal } | { error: GatehouseError };

interface Entry {
  outcome: Outcome;
  /** Milliseconds since the epoch. */
  until: number;
}

/**
 * The key of a token: its SHA-256, so the cache never holds a token that could be replayed if
 * the process memory were read (RFC 7662 §4 lets a resource server cache answers; it need not
 * keep the token to do so).
 */
export function tokenKey(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

/**
 * Introspection answers by token hash, each until min(`exp`, now + cacheMaxAge) (RFC 7662 §4):
 * active ones and refusals alike (a revoked or unknown token does not become valid again).
 * Bounded: the least recently used entry goes first.
 */
export class IntrospectionCache {
  readonly #entries = new Map<string, Entry>();
  readonly #maxEntries: number;

  constructor(maxEntries: number) {
    this.#maxEntries = maxEntries;
  }

  get(key: string, now: number): Outcome | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.until <= now) {
      this.#entries.delete(key);
      return undefined;
    }
    // Most recently used last.
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    return entry.outcome;
  }

  set(key: string, outcome: Outcome, until: number, now: number): void {
    if (until <= now) return;
    this.#entries.delete(key);
    while (this.#entries.size >= this.#maxEntries) {
      const oldest = this.#entries.keys().next().value;
      if (oldest === undefined) break;
      this.#entries.delete(oldest);
    }
    this.#entries.set(key, { outcome, until });
  }

  get size(): number {
    return this.#entries.size;
  }
}
