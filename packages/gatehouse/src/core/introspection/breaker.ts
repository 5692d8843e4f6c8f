/**
 * A circuit breaker for the introspection endpoint: after `threshold` failures in a row (network
 * error, timeout, 5xx, refused client credentials) it stops calling for a back-off interval that
 * doubles up to `maxBackoff`; then one trial request decides whether it closes again. Meanwhile
 * requests are answered 503 at once, so a dead endpoint costs neither time nor outbound requests.
 */
export class CircuitBreaker {
  readonly #threshold: number;
  readonly #minBackoff: number;
  readonly #maxBackoff: number;
  readonly #now: () => number;
  #failures = 0;
  #backoff = 0;
  #openUntil = 0;
  #trial = false;

  constructor(options: { threshold: number; minBackoff: number; maxBackoff: number; now: () => number }) {
    this.#threshold = options.threshold;
    this.#minBackoff = options.minBackoff;
    this.#maxBackoff = options.maxBackoff;
    this.#now = options.now;
  }

  /** Milliseconds to wait before calling, or 0 to call now (which may be the one trial request). */
  wait(): number {
    if (this.#failures < this.#threshold) return 0;
    const left = this.#openUntil - this.#now();
    if (left > 0) return left;
    if (this.#trial) return Math.max(1000, this.#minBackoff);
    this.#trial = true;
    return 0;
  }

  succeeded(): void {
    this.#failures = 0;
    this.#backoff = 0;
    this.#trial = false;
  }

  /** Records a failure; returns the milliseconds a client should wait before retrying. */
  failed(): number {
    this.#failures++;
    this.#trial = false;
    if (this.#failures < this.#threshold) return this.#minBackoff;
    this.#backoff = this.#backoff === 0 ? this.#minBackoff : Math.min(this.#backoff * 2, this.#maxBackoff);
    this.#openUntil = this.#now() + this.#backoff;
    return this.#backoff;
  }

  get open(): boolean {
    return this.#failures >= this.#threshold && this.#openUntil > this.#now();
  }
}
