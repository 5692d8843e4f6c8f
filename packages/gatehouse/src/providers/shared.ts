import { ConfigurationError } from '../core/errors.ts';
import type { IssuerOptions } from '../core/options.ts';

/** What every preset returns: the issuers to trust. Spread it into `createGatehouse`, or combine with `trust()`. */
export interface ProviderConfig {
  issuers: IssuerOptions[];
}

/** Trust several providers at once; each token is routed to its issuer by `iss`. */
export function trust(...providers: ProviderConfig[]): ProviderConfig {
  return { issuers: providers.flatMap((p) => p.issuers) };
}

/** Options every preset takes. */
export interface PresetOptions {
  /** Accepted audiences; each preset has its provider's default. */
  audience?: string | readonly string[];
  /**
   * Replaces the provider's public base URL (sovereign clouds, custom domains, tests against a
   * local issuer). @example 'https://login.microsoftonline.us'
   */
  instance?: string;
  /** A static key set instead of the discovered one (offline verification, tests). */
  jwksUri?: string;
}

export function required(value: unknown, path: string): string {
  if (typeof value !== 'string' || value.length === 0) throw new ConfigurationError(path, 'is required');
  return value;
}

export function audienceOf(
  options: PresetOptions,
  fallback: string | readonly string[],
  path: string,
): string | readonly string[] {
  const audience = options.audience ?? fallback;
  if (typeof audience === 'string' ? audience.length === 0 : audience.length === 0) {
    throw new ConfigurationError(`${path}.audience`, 'is required');
  }
  return audience;
}

export function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

/** Where keys come from: discovery at the issuer, an explicit metadata URL, or a static JWKS. */
export function keySource(
  issuer: string,
  options: PresetOptions,
  metadataUrl?: string,
): Pick<IssuerOptions, 'issuer' | 'metadataUrl' | 'jwksUri'> {
  if (options.jwksUri) return { issuer, jwksUri: options.jwksUri };
  return metadataUrl ? { issuer, metadataUrl } : { issuer };
}

export function union(...lists: string[][]): string[] {
  return [...new Set(lists.flat())];
}
