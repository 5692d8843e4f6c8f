import { observedLoad } from '../diagnostics.ts';
import type { Logger } from '../logger.ts';
import { fetchMetadata, type IssuerMetadata } from './discovery.ts';
import type { FetchJsonOptions } from './fetch-json.ts';
import { Refreshing, type RefreshTiming } from './refreshing.ts';

export interface DiscoveredMetadataOptions {
  /** The metadata document's URL. */
  url: string;
  /** The issuer the document must name (discovery by issuer, OIDC Discovery §4.3), if known beforehand. */
  expectedIssuer: string | undefined;
  options: FetchJsonOptions & RefreshTiming;
  now: () => number;
  logger: Logger;
  /** The issuer's configured name, for diagnostics events. */
  name?: string;
}

/**
 * Where an issuer's metadata comes from: a discovery document (refreshed, stale-if-error), or
 * fixed values when the JWKS URL and issuer were configured directly.
 */
export class IssuerMetadataSource {
  readonly #fixed: IssuerMetadata | undefined;
  readonly #remote: Refreshing<IssuerMetadata> | undefined;

  private constructor(fixed: IssuerMetadata | undefined, remote: Refreshing<IssuerMetadata> | undefined) {
    this.#fixed = fixed;
    this.#remote = remote;
  }

  static fixed(issuer: string, jwksUri: string): IssuerMetadataSource {
    return new IssuerMetadataSource({ issuer, jwks_uri: jwksUri }, undefined);
  }

  static discovered({
    url,
    expectedIssuer,
    options,
    now,
    logger,
    name = url,
  }: DiscoveredMetadataOptions): IssuerMetadataSource {
    const load = observedLoad(name, 'metadata', () => fetchMetadata(url, expectedIssuer, options));
    const remote = new Refreshing({
      load,
      timing: options,
      now,
      events: {
        onError: (error, stale) =>
          logger.warn?.(
            { err: error instanceof Error ? error.message : String(error), stale },
            stale
              ? 'gatehouse: metadata refresh failed; serving the last good document'
              : 'gatehouse: metadata unavailable',
          ),
      },
    });
    return new IssuerMetadataSource(undefined, remote);
  }

  get current(): IssuerMetadata | undefined {
    return this.#fixed ?? this.#remote?.value;
  }

  get lastError(): unknown {
    return this.#remote?.lastError;
  }

  get(): Promise<IssuerMetadata> {
    return this.#fixed ? Promise.resolve(this.#fixed) : this.#remote!.get();
  }

  start(): void {
    this.#remote?.start();
  }

  stop(): void {
    this.#remote?.stop();
  }

  seed(metadata: IssuerMetadata, loadedAt: number): void {
    this.#remote?.seed(metadata, loadedAt);
  }
}
