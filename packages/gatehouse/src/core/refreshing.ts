/**
 * A remote value (metadata document, key set) that is fetched once, shared by concurrent callers,
 * refreshed in the background before it goes stale, and kept when a refresh fails
 * (stale-if-error). With no value ever loaded, callers get the load's error, and a timer
 * keeps retrying so the service recovers by itself.
 */

export interface RefreshPolicy {
  /** Milliseconds a loaded value is fresh; a background refresh starts at 80% of it. */
  maxAge: number;
  /** Milliseconds between retries while a load keeps failing. */
  retryInterval: number;
}

export interface RefreshingEvents {
  onLoaded?(loadCount: number): void;
  onError?(error: unknown, hasValue: boolean): void;
}

export class Refreshing<T> {
  readonly #load: () => Promise<T>;
  readonly #policy: RefreshPolicy;
  readonly #now: () => number;
  readonly #events: RefreshingEvents;
  #value: T | undefined;
  #loadedAt = Number.NEGATIVE_INFINITY;
  #attemptedAt = Number.NEGATIVE_INFINITY;
  #lastError: unknown;
  #pending: Promise<T> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #running = false;
  #loads = 0;

  constructor(
    load: () => Promise<T>,
    policy: RefreshPolicy,
    now: () => number,
    events: RefreshingEvents = {},
  ) {
    this.#load = load;
    this.#policy = policy;
    this.#now = now;
    this.#events = events;
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

  /** Starts loading now and keeps the value fresh with timers (unref'd: they never hold the process). */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.reload().catch(() => {});
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
      this.#now() - this.#loadedAt >= this.#policy.maxAge * 0.8 &&
      !this.#pending
    ) {
      this.reload().catch(() => {});
    }
    return this.#value;
  }

  /** Fetches now, coalescing with a fetch already under way. Keeps the old value if this one fails. */
  reload(): Promise<T> {
    if (this.#pending) return this.#pending;
    this.#attemptedAt = this.#now();
    this.#loads++;
    const pending = this.#load().then(
      (value) => {
        this.#value = value;
        this.#loadedAt = this.#now();
        this.#lastError = undefined;
        this.#pending = undefined;
        this.#schedule(this.#policy.maxAge * 0.8);
        this.#events.onLoaded?.(this.#loads);
        return value;
      },
      (error: unknown) => {
        this.#lastError = error;
        this.#pending = undefined;
        this.#schedule(this.#policy.retryInterval);
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
        this.reload().catch(() => {});
      },
      Math.max(1, delay),
    );
    this.#timer.unref();
  }
}
