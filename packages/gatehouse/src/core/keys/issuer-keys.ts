import { observedLoad } from '../diagnostics.ts';
import { InvalidTokenError, KeysUnavailableError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { type FetchJsonOptions, fetchJsonObject } from './fetch-json.ts';
import { type KeyQuery, KeyStore, type StoredKey } from './key-store.ts';
import type { IssuerMetadataSource } from './metadata-source.ts';
import { Refreshing } from './refreshing.ts';

/** How key sets are fetched and when they are fetched again. */
export interface KeySetTiming extends FetchJsonOptions {
  /** Minimum milliseconds between fetches for any reason but the scheduled refresh, once keys are loaded (at most 30 s). */
  cooldown: number;
  /** Milliseconds a key set is fresh before a background refresh. */
  maxAge: number;
  /** Upper bound of the back-off between retries while fetches fail. */
  retryInterval: number;
}

/** A portable copy of what was fetched, so a new process can verify before the issuer answers. */
export interface KeySetSnapshot {
  version: 1;
  /** The configured metadata or JWKS URL it came from, so it goes back to the same issuer. */
  source: string;
  issuer: string;
  jwksUri: string;
  fetchedAt: number;
  jwks: { keys: Record<string, unknown>[] };
}

export interface KeySetStatus {
  ready: boolean;
  issuer: string | undefined;
  jwksUri: string | undefined;
  keysLoadedAt: string | undefined;
  keyCount: number;
  fetches: number;
  lastError: string | undefined;
}

export interface IssuerKeysOptions {
  metadata: IssuerMetadataSource;
  timing: KeySetTiming;
  now: () => number;
  logger: Logger;
  /** Called with each key set loaded, so caches can drop entries of keys that left it. */
  onKeysLoaded?: (store: KeyStore) => void;
  /** The issuer's configured name, for diagnostics events. */
  name?: string;
}

/**
 * The signing keys of one issuer: metadata and JWKS, both cached with stale-if-error and paced
 * by `Refreshing` (one fetch at a time, back-off after failures, a refetch for an unknown `kid`
 * or any other reason at most once per cooldown).
 */
export class IssuerKeys {
  readonly metadata: IssuerMetadataSource;
  readonly #keys: Refreshing<KeyStore>;
  readonly #timing: KeySetTiming;
  readonly #now: () => number;

  constructor({
    metadata,
    timing,
    now,
    logger,
    onKeysLoaded = () => {},
    name = 'issuer',
  }: IssuerKeysOptions) {
    this.metadata = metadata;
    this.#timing = timing;
    this.#now = now;
    this.#keys = new Refreshing({
      load: observedLoad(
        name,
        'jwks',
        async () => {
          const { jwks_uri } = await metadata.get();
          return KeyStore.fromJwksOrFail(await fetchJsonObject(jwks_uri, timing), jwks_uri, logger);
        },
        (store) => store.keys.length,
      ),
      timing,
      now,
      events: {
        onLoaded: () => {
          this.#keys.value!.prepare();
          onKeysLoaded(this.#keys.value!);
        },
        onError: (error, hasValue) =>
          logger.warn?.(
            { err: message(error), stale: hasValue },
            hasValue
              ? 'gatehouse: key set refresh failed; serving the last good keys'
              : 'gatehouse: key set unavailable',
          ),
      },
    });
  }

  get ready(): boolean {
    return this.#keys.value !== undefined;
  }

  start(): void {
    this.metadata.start();
    this.#keys.start();
  }

  stop(): void {
    this.metadata.stop();
    this.#keys.stop();
  }

  /** The issuer tokens must name, from configuration or the metadata document; 503 if unknown. */
  async issuer(): Promise<string> {
    try {
      return (await this.metadata.get()).issuer;
    } catch (error) {
      throw new KeysUnavailableError({
        detail: `issuer metadata could not be loaded: ${message(error)}`,
        retryAfter: Math.ceil(this.#timing.retryInterval / 1000),
        cause: error,
      });
    }
  }

  /** The key set, loading it if none was ever loaded; 503 if it cannot be had. */
  async store(): Promise<KeyStore> {
    try {
      return await this.#keys.get();
    } catch (error) {
      throw new KeysUnavailableError({
        detail: `signing keys could not be loaded: ${message(error)}`,
        retryAfter: Math.ceil(this.#timing.retryInterval / 1000),
        cause: error,
      });
    }
  }

  /**
   * The key set held, without waiting (undefined before the first load); a stale one starts a
   * background refresh. What synchronous verification reads.
   */
  loaded(): KeyStore | undefined {
    return this.#keys.peek();
  }

  /**
   * Loads the keys that may have signed a token with this header: the key set (fetched if none
   * was ever loaded), refetched once per cooldown for an unknown `kid`. Refuses a weak or unknown key.
   */
  async candidates(header: KeyQuery): Promise<{ store: KeyStore; keys: readonly StoredKey[] }> {
    let store = await this.store();
    let match = store.match(header);
    if (match.kind === 'none') {
      // Joins a fetch under way, or starts one if the cooldown allows; else the set held comes back.
      try {
        store = await this.#keys.reload();
      } catch {
        // stale-if-error: the last good set stays; the token is judged against it.
      }
      match = store.match(header);
    }
    if (match.kind === 'found') return { store, keys: match.keys };
    if (match.kind === 'refused') {
      throw new InvalidTokenError('ERR_TOKEN_WEAK_KEY', {
        description: 'The token was signed with a key this API does not accept',
        detail: `key ${header.kid ?? header.x5t ?? '(no kid)'}: ${match.reason}`,
      });
    }
    const age = Math.round((this.#now() - this.#keys.loadedAt) / 1000);
    throw new InvalidTokenError('ERR_TOKEN_UNKNOWN_KEY', {
      description: 'The token was signed with an unknown key',
      detail:
        `no ${header.alg} key ${header.kid ? `with kid ${JSON.stringify(header.kid)}` : 'matching the token header'} in the issuer's key set ` +
        `(fetched ${age} s ago; known kids: ${store.kids.join(', ') || 'none'})`,
    });
  }

  /** Ids of the keys in the current set (empty before the first load). */
  currentKeyIds(): string[] {
    return this.#keys.value?.keys.map((k) => k.id) ?? [];
  }

  /** `source`: the configured metadata or JWKS URL, so the snapshot goes back to the same issuer. */
  snapshot(source: string): KeySetSnapshot | undefined {
    const metadata = this.metadata.current;
    const store = this.#keys.value;
    if (!metadata || !store) return undefined;
    return {
      version: 1,
      source,
      issuer: metadata.issuer,
      jwksUri: metadata.jwks_uri,
      fetchedAt: this.#keys.loadedAt,
      jwks: store.toJwks() as KeySetSnapshot['jwks'],
    };
  }

  restore(snapshot: KeySetSnapshot, logger: Logger): void {
    this.metadata.seed({ issuer: snapshot.issuer, jwks_uri: snapshot.jwksUri }, snapshot.fetchedAt);
    const store = KeyStore.fromJwksOrFail(snapshot.jwks, 'snapshot', logger);
    this.#keys.seed(store, snapshot.fetchedAt);
    store.prepare();
  }

  status(): KeySetStatus {
    const metadata = this.metadata.current;
    const store = this.#keys.value;
    const lastError = this.#keys.lastError ?? this.metadata.lastError;
    return {
      ready: store !== undefined,
      issuer: metadata?.issuer,
      jwksUri: metadata?.jwks_uri,
      keysLoadedAt: store ? new Date(this.#keys.loadedAt).toISOString() : undefined,
      keyCount: store?.keys.length ?? 0,
      fetches: this.#keys.loadCount,
      lastError: lastError === undefined ? undefined : message(lastError),
    };
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
