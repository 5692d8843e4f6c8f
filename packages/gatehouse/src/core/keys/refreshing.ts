/**
 * A remote value (metadata document, key set) that is fetched once, shared by concurrent callers,
 * refreshed in the background before it goes stale, and kept when a refresh fails
 * (stale-if-error). With no value ever loaded, callers get the load's error, and a timer
 * keeps retrying so the service recovers by itself.
 *
 * Fetches are paced whatever the callers ask for, so that no volume or content of requests can
 * turn into a volume of requests to the issuer:
 * - one fetch at a time (single flight);
 * - after a failure, the next fetch waits an exponential back-off with jitter, from
 *   `FIRST_RETRY_DELAY` doubling up to `retryInterval`;
 * - once a value is loaded, a fetch for any reason but the scheduled refresh (a caller seeing it
 *   stale, an unknown `kid`, a retry after a failed refresh) waits `cooldown` after the last one.
 * A caller that may not fetch yet gets the value it has, or with none the last error, at once.
 */

/** When a value is fetched again: freshness, retry back-off and cooldown. */
export interface RefreshTiming {
  /** Milliseconds a loaded value is fresh; a background refresh starts at 80% of it. */
  maxAge: number;
  /** Upper bound of the back-off between retries while a load keeps failing. */
  retryInterval: number;
  /** Minimum milliseconds between fetch starts once a value is loaded; 0 when absent. */
  cooldown?: number;
}

/** The back-off after the first failure; it doubles per failure up to `retryInterval`. */
export const FIRST_RETRY_DELAY = 1000;

/** The back-off before the next fetch after `failures` failures in a row, jittered down by up to half. */
export function backoff(failures: number, retryInterval: number, random: () => number): number {
  const ceiling = Math.min(retryInterval, FIRST_RETRY_DELAY * 2 ** Math.min(failures - 1, 30));
  // Equal jitter: never under half the ceiling, so the bound holds; spread, so that many
  // instances that lost the issuer together do not come back to it in step.
  return ceiling / 2 + (ceiling / 2) * random();
}

export interface RefreshingEvents {
  onLoaded?(loadCount: number): void;
  onError?(error: unknown, hasValue: boolean): void;
}

export interface RefreshingOptions<T> {
  load: () => Promise<T>;
  timing: RefreshTiming;
  now: () => number;
  events?: RefreshingEvents;
  /** The jitter source of the retry back-off. */
  random?: () => number;
}

export class Refreshing<T> {
  readonly #load: () => Promise<T>;
  readonly #timing: RefreshTiming;
  readonly #now: () => number;
  readonly #events: RefreshingEvents;
  readonly #random: () => number;
  #value: T | undefined;
  #loadedAt = Number.NEGATIVE_INFINITY;
  #attemptedAt = Number.NEGATIVE_INFINITY;
  /** The earliest start of a fetch a caller asks for (the timer keeps its own schedule). */
  #notBefore = Number.NEGATIVE_INFINITY;
  #failures = 0;
  #lastError: unknown;
  #pending: Promise<T> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #running = false;
  #loads = 0;

  constructor({ load, timing, now, events = {}, random = Math.random }: RefreshingOptions<T>) {
    this.#load = load;
    this.#timing = timing;
    this.#now = now;
    this.#events = events;
    this.#random = random;
  }

  get value(): T | undefined {
    return this.#value;
  }
  get loadedAt(): number {
    return this.#loadedAt;
  }
  /** When the last fetch started, successful or not. */
  get attemptedAt(): number {
    return this.#attemptedAt;
  }
  get lastError(): unknown {
    return this.#lastError;
  }
  get loading(): boolean {
    return this.#pending !== undefined;
  }
  get loadCount(): number {
    return this.#loads;
  }
  /** Milliseconds until a caller may start a fetch (0 if it may now). */
  get waitMs(): number {
    const now = this.#now();
    // A clock set back must not shut fetches out for as long as it went back.
    if (now < this.#attemptedAt) return 0;
    return Math.max(0, this.#notBefore - now);
  }

  /** Starts loading now and keeps the value fresh with timers (unref'd: they never hold the process). */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    if (this.waitMs === 0) this.#fetch().catch(() => {});
    else this.#schedule(this.waitMs);
  }

  stop(): void {
    this.#running = false;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** The current value; loads it if there is none, and refreshes in the background if it is stale. */
  async get(): Promise<T> {
    return this.peek() ?? this.reload();
  }

  /** The current value without waiting (undefined before the first load); refreshes in the background if it is stale. */
  peek(): T | undefined {
    if (
      this.#value !== undefined &&
      this.#now() - this.#loadedAt >= this.#timing.maxAge * 0.8 &&
      !this.#pending &&
      this.waitMs === 0
    ) {
      this.#fetch().catch(() => {});
    }
    return this.#value;
  }

  /**
   * Fetches now if the pacing allows, coalescing with a fetch already under way. Otherwise (and
   * when this fetch fails) the value held, or with none the last error.
   */
  reload(): Promise<T> {
    if (this.#pending) return this.#pending;
    if (this.waitMs > 0) {
      return this.#value !== undefined
        ? Promise.resolve(this.#value)
        : Promise.reject(this.#lastError ?? new Error('not loaded yet'));
    }
    return this.#fetch();
  }

  #fetch(): Promise<T> {
    if (this.#pending) return this.#pending;
    this.#attemptedAt = this.#now();
    this.#loads++;
    const cooldown = this.#timing.cooldown ?? 0;
    const pending = this.#load().then(
      (value) => {
        this.#value = value;
        this.#loadedAt = this.#now();
        this.#lastError = undefined;
        this.#pending = undefined;
        this.#failures = 0;
        this.#notBefore = this.#attemptedAt + cooldown;
        this.#schedule(this.#timing.maxAge * 0.8);
        this.#events.onLoaded?.(this.#loads);
        return value;
      },
      (error: unknown) => {
        this.#lastError = error;
        this.#pending = undefined;
        this.#failures++;
        const now = this.#now();
        this.#notBefore = now + backoff(this.#failures, this.#timing.retryInterval, this.#random);
        // Stale-if-error: with a value to serve, retrying sooner than the cooldown gains nothing.
        if (this.#value !== undefined) {
          this.#notBefore = Math.max(this.#notBefore, this.#attemptedAt + cooldown);
        }
        this.#schedule(this.#notBefore - now);
        this.#events.onError?.(error, this.#value !== undefined);
        throw error;
      },
    );
    this.#pending = pending;
    return pending;
  }

  /** Installs a value from elsewhere (a snapshot taken by an earlier process). */
  seed(value: T, loadedAt: number): void {
    this.#value = value;
    this.#loadedAt = loadedAt;
  }

  #schedule(delay: number): void {
    if (!this.#running) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(
      () => {
        this.#timer = undefined;
        this.#fetch().catch(() => {});
      },
      Math.max(1, delay),
    );
    this.#timer.unref();
  }
}
