/**
 * jwks-rsa's `expressJwtSecret`, as the express-jwt drop-in reads it: the only secret accepted is a
 * JWKS URL, and its cache and rate-limit options become Gatehouse's key-store options.
 */
import { KEYS_OPTIONS } from '../../core/option-table.ts';
import type { GatehouseOptions } from '../../core/options.ts';
import { checkKeys, refuse } from './refuse.ts';

/** jwks-rsa's `expressJwtSecret` options that keep a meaning here. */
export interface ExpressJwtSecretOptions {
  jwksUri: string;
  /** Keys are always cached (and refetched on an unknown `kid`); `false` cannot turn that off. */
  cache?: boolean;
  /** The whole key set of the issuer is kept, bounded by its size in bytes, not by a count. */
  cacheMaxEntries?: number;
  /** Milliseconds a fetched key set is trusted before it is refreshed (in the background). */
  cacheMaxAge?: number;
  /** Unknown-`kid` refetches are always limited; `jwksRequestsPerMinute` sets how often. */
  rateLimit?: boolean;
  /** At most this many unknown-`kid` refetches a minute (never fewer than 2: the gap is at most 30 s). */
  jwksRequestsPerMinute?: number;
  /** Milliseconds before a key-set fetch is abandoned. */
  timeout?: number;
  /** Sent with every metadata and key-set request (e.g. an API gateway's key). */
  requestHeaders?: Record<string, string>;
}

const SECRET_OPTIONS = [
  'jwksUri',
  'cache',
  'cacheMaxEntries',
  'cacheMaxAge',
  'rateLimit',
  'jwksRequestsPerMinute',
  'timeout',
  'requestHeaders',
] as const;

const JWKS_SECRET = Symbol('gatehouse-auth jwks secret');

/** What `expressJwtSecret` returns: where the keys are and how to fetch them. */
export interface JwksSecret {
  readonly jwksUri: string;
  readonly [JWKS_SECRET]: ExpressJwtSecretOptions;
}

function positive(value: unknown, option: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0)
    refuse(`expressJwtSecret ${option}`, 'must be a positive number');
  return value;
}

/** jwks-rsa's `expressJwtSecret`. */
export function expressJwtSecret(options: ExpressJwtSecretOptions): JwksSecret {
  if (typeof options?.jwksUri !== 'string') refuse('expressJwtSecret jwksUri', 'is required');
  checkKeys(options, SECRET_OPTIONS, 'expressJwtSecret');
  positive(options.cacheMaxEntries, 'cacheMaxEntries');
  positive(options.cacheMaxAge, 'cacheMaxAge');
  positive(options.jwksRequestsPerMinute, 'jwksRequestsPerMinute');
  positive(options.timeout, 'timeout');
  if (options.requestHeaders !== undefined) {
    const headers = options.requestHeaders;
    if (
      typeof headers !== 'object' ||
      headers === null ||
      Object.values(headers).some((v) => typeof v !== 'string')
    )
      refuse('expressJwtSecret requestHeaders', 'must be an object of strings');
  }
  return { jwksUri: options.jwksUri, [JWKS_SECRET]: { ...options } };
}

/** The options `expressJwtSecret` was given, when `secret` came from it; `undefined` for anything else. */
export function jwksSecretOptions(secret: unknown): ExpressJwtSecretOptions | undefined {
  if (typeof secret !== 'object' || secret === null) return undefined;
  const candidate = secret as Partial<JwksSecret>;
  return typeof candidate.jwksUri === 'string' ? candidate[JWKS_SECRET] : undefined;
}

/** jwks-rsa's cache and rate-limit options, as Gatehouse's key-store options. */
export function keyOptions(secret: ExpressJwtSecretOptions): Pick<GatehouseOptions, 'keys' | 'fetch'> {
  const keys: NonNullable<GatehouseOptions['keys']> = {
    ...(secret.cacheMaxAge !== undefined ? { maxAge: secret.cacheMaxAge } : {}),
    ...(secret.timeout !== undefined ? { timeout: secret.timeout } : {}),
    ...(secret.jwksRequestsPerMinute !== undefined
      ? { cooldown: Math.min(KEYS_OPTIONS.cooldown.max, Math.ceil(60_000 / secret.jwksRequestsPerMinute)) }
      : {}),
  };
  const extra = secret.requestHeaders;
  return {
    keys,
    ...(extra
      ? {
          fetch: (input: Parameters<typeof fetch>[0], init?: RequestInit) => {
            const headers = new Headers(init?.headers);
            for (const [name, value] of Object.entries(extra))
              if (!headers.has(name)) headers.set(name, value);
            return fetch(input, { ...init, headers });
          },
        }
      : {}),
  };
}
