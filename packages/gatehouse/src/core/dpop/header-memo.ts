/**
 * Proof headers already parsed, by their encoded text. A client sends the same header (`typ`,
 * `alg`, its `jwk`) on every proof, so decoding and parsing it, and finding its key, is done once;
 * the checks that depend on the server's policy still run on every proof. Only headers whose key
 * was usable are kept, and the text is compared whole, so only the identical header is served.
 * Bounded like the key cache: made-up headers cost their sender a parse each and never grow it.
 */
import { BoundedMap } from '../bounded-map.ts';
import type { ProofKey } from './proof-key.ts';

export interface ParsedHeader {
  readonly header: Readonly<Record<string, unknown>>;
  readonly proofKey: ProofKey;
}

export class ProofHeaderMemo {
  static readonly DEFAULT_MAX_ENTRIES = 1000;
  readonly #headers: BoundedMap<string, ParsedHeader>;
  /** The last header found: a client sends the same one each time, and comparing costs less than hashing. */
  #lastEncoded = '';
  #last: ParsedHeader | undefined;

  constructor(maxEntries = ProofHeaderMemo.DEFAULT_MAX_ENTRIES) {
    this.#headers = new BoundedMap(maxEntries);
  }

  get size(): number {
    return this.#headers.size;
  }

  get(encoded: string): ParsedHeader | undefined {
    if (encoded === this.#lastEncoded) return this.#last;
    const found = this.#headers.get(encoded);
    if (found !== undefined) {
      this.#lastEncoded = encoded;
      this.#last = found;
    }
    return found;
  }

  remember(encoded: string, header: Record<string, unknown>, proofKey: ProofKey): void {
    this.#headers.set(encoded, { header: Object.freeze(header), proofKey });
  }
}
