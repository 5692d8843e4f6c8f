/**
 * A set of 96-bit fingerprints, each with an expiry, in one typed array: 16 bytes a slot instead
 * of the ~100 a string key, a map entry and a boxed number cost on the JavaScript heap, and nothing
 * for the garbage collector to trace. Open addressing with linear probing; the fingerprints are
 * hash output, so their first word spreads the slots evenly.
 */

/** Words per slot: three of fingerprint, one of expiry (+1, so that 0 marks an empty slot). */
const WORDS = 4;
const MAX_LOAD = 0.75;

export class FingerprintTable {
  #slots: Uint32Array;
  #mask: number;
  #count = 0;

  constructor(capacity = 1024) {
    this.#slots = new Uint32Array(capacity * WORDS);
    this.#mask = capacity - 1;
  }

  get count(): number {
    return this.#count;
  }

  get byteLength(): number {
    return this.#slots.byteLength;
  }

  /** The slot holding the fingerprint, or -1. */
  find(a: number, b: number, c: number): number {
    const slots = this.#slots;
    for (let slot = a & this.#mask; ; slot = (slot + 1) & this.#mask) {
      const at = slot * WORDS;
      if (slots[at + 3] === 0) return -1;
      if (slots[at] === a && slots[at + 1] === b && slots[at + 2] === c) return slot;
    }
  }

  expiryOf(slot: number): number {
    return this.#slots[slot * WORDS + 3]! - 1;
  }

  setExpiry(slot: number, expiry: number): void {
    this.#slots[slot * WORDS + 3] = expiry + 1;
  }

  /** Adds a fingerprint the table does not hold; `expiry` from 0 to 2^32 - 2. */
  add(a: number, b: number, c: number, expiry: number): void {
    if ((this.#count + 1) / (this.#mask + 1) > MAX_LOAD) this.#rebuild((this.#mask + 1) * 2, -1);
    this.#place(a, b, c, expiry + 1);
    this.#count++;
  }

  /** Drops every record whose expiry is at or before `expiry`. */
  dropUntil(expiry: number): void {
    this.#rebuild(this.#mask + 1, expiry);
  }

  #place(a: number, b: number, c: number, stored: number): void {
    const slots = this.#slots;
    let slot = a & this.#mask;
    while (slots[slot * WORDS + 3] !== 0) slot = (slot + 1) & this.#mask;
    const at = slot * WORDS;
    slots[at] = a;
    slots[at + 1] = b;
    slots[at + 2] = c;
    slots[at + 3] = stored;
  }

  #rebuild(capacity: number, dropUntil: number): void {
    const old = this.#slots;
    this.#slots = new Uint32Array(capacity * WORDS);
    this.#mask = capacity - 1;
    this.#count = 0;
    for (let at = 0; at < old.length; at += WORDS) {
      const stored = old[at + 3]!;
      if (stored === 0 || stored - 1 <= dropUntil) continue;
      this.#place(old[at]!, old[at + 1]!, old[at + 2]!, stored);
      this.#count++;
    }
  }
}
