/**
 * A map that never holds more than `max` entries, dropping the oldest first. For memos whose keys
 * a client chooses (token headers, proof keys, URLs): a flood of made-up keys costs its sender the
 * work each time and pushes out at most the oldest entries, never growing the process.
 */
export class BoundedMap<K, V> {
  readonly #entries = new Map<K, V>();
  readonly max: number;

  constructor(max: number) {
    this.max = max;
  }

  get size(): number {
    return this.#entries.size;
  }

  get(key: K): V | undefined {
    return this.#entries.get(key);
  }

  has(key: K): boolean {
    return this.#entries.has(key);
  }

  set(key: K, value: V): void {
    if (this.#entries.size >= this.max && !this.#entries.has(key)) {
      this.#entries.delete(this.#entries.keys().next().value as K);
    }
    this.#entries.set(key, value);
  }
}
