/**
 * Server-provided DPoP nonces (RFC 9449 §8 and §9): stateless, valid on every instance that shares
 * the secret. A nonce is a time slot and an HMAC of it; one is valid during its slot and the next,
 * so a client that just received one always has between one and two lifetimes to use it.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { DpopNonceError } from './errors.ts';

/** Which slot a nonce belongs to: `stale` ones (the previous slot's) pass but should be replaced. */
export type NonceAge = 'current' | 'stale';

export class NonceSource {
  readonly #secret: Buffer;
  readonly #lifetimeMs: number;
  readonly #now: () => number;
  /** The MACs of the last two slots asked for: a busy server computes each about once per slot. */
  #recent: [slot: number, mac: Buffer][] = [];

  /** `lifetime` in seconds; `now` in milliseconds since the epoch. */
  constructor(secret: string, lifetime: number, now: () => number) {
    this.#secret = Buffer.from(secret, 'utf8');
    this.#lifetimeMs = lifetime * 1000;
    this.#now = now;
  }

  #slot(): number {
    return Math.floor(this.#now() / this.#lifetimeMs);
  }

  #mac(slot: number): Buffer {
    for (const [known, mac] of this.#recent) if (known === slot) return mac;
    const mac = createHmac('sha256', this.#secret)
      .update(`gatehouse-dpop-nonce:${slot}`)
      .digest()
      .subarray(0, 18);
    this.#recent.push([slot, mac]);
    if (this.#recent.length > 2) this.#recent.shift();
    return mac;
  }

  /** The nonce to hand out now (`DPoP-Nonce`). */
  current(): string {
    const slot = this.#slot();
    return `${slot.toString(36)}.${this.#mac(slot).toString('base64url')}`;
  }

  /**
   * Whether a proof's `nonce` claim is one this source handed out in this slot (`current`) or the
   * previous one (`stale`: still accepted, and the answer should carry `current()`); `undefined`
   * when it is neither.
   */
  check(value: unknown): NonceAge | undefined {
    if (typeof value !== 'string' || value.length > 64) return undefined;
    const match = /^([0-9a-z]{1,12})\.([A-Za-z0-9_-]{24})$/.exec(value);
    if (!match) return undefined;
    const slot = Number.parseInt(match[1]!, 36);
    const now = this.#slot();
    if (slot !== now && slot !== now - 1) return undefined;
    const given = Buffer.from(match[2]!, 'base64url');
    const expected = this.#mac(slot);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    return slot === now ? 'current' : 'stale';
  }

  /**
   * RFC 9449 §4.3 check 10: refuses a proof `nonce` this source did not hand out lately (401
   * use_dpop_nonce with the current one); for the previous slot's, which is about to expire, returns
   * the current nonce for the answer to hand out (§8.2). A current nonce returns undefined.
   */
  admit(value: unknown): string | undefined {
    const age = this.check(value);
    if (age === 'current') return undefined;
    if (age === 'stale') return this.current();
    throw new DpopNonceError(this.current(), {
      description: 'Use the DPoP nonce the server provided',
      detail: value === undefined ? 'proof has no nonce' : 'proof nonce is not current',
    });
  }

  /** Whether a proof's `nonce` claim is one this source handed out in this slot or the previous one. */
  accepts(value: unknown): boolean {
    return this.check(value) !== undefined;
  }
}
