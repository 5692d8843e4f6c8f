/**
 * Server-provided DPoP nonces (RFC 9449 §8 and §9): stateless, valid on every instance that shares
 * the secret. A nonce is a time slot and an HMAC of it; one is valid during its slot and the next,
 * so a client that just received one always has between one and two lifetimes to use it.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export class NonceSource {
  readonly #secret: Buffer;
  readonly #lifetimeMs: number;
  readonly #now: () => number;

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
    return createHmac('sha256', this.#secret).update(`gatehouse-dpop-nonce:${slot}`).digest().subarray(0, 18);
  }

  /** The nonce to hand out now (`DPoP-Nonce`). */
  current(): string {
    const slot = this.#slot();
    return `${slot.toString(36)}.${this.#mac(slot).toString('base64url')}`;
  }

  /** Whether a proof's `nonce` claim is one this source handed out in this slot or the previous one. */
  accepts(value: unknown): boolean {
    if (typeof value !== 'string' || value.length > 64) return false;
    const match = /^([0-9a-z]{1,12})\.([A-Za-z0-9_-]{24})$/.exec(value);
    if (!match) return false;
    const slot = Number.parseInt(match[1]!, 36);
    const now = this.#slot();
    if (slot !== now && slot !== now - 1) return false;
    const given = Buffer.from(match[2]!, 'base64url');
    const expected = this.#mac(slot);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }
}
