/**
 * The todo-api's whole configuration, read once from the environment at start-up.
 * Every variable has its default in `DEFAULTS`; a bad value throws a `ConfigError` naming the
 * variable, which the process entry prints as one line before exiting with code 1.
 */
import { isIP } from 'node:net';
import { isAbsolute, resolve } from 'node:path';
import { isTenantId, type TenantPolicy } from 'gatehouse-auth';
import { ConfigError } from './config-error.ts';
import { type DpopNonceSetting, parseDpopNonce } from './dpop-nonce-config.ts';

export const DEFAULTS = {
  /** TCP port the API listens on (`0` = any free port). */
  PORT: '3000',
  /** Interface to listen on; loopback unless told otherwise. */
  HOST: '127.0.0.1',
  /** Comma-separated audiences a token must carry (any one). */
  AUTH_AUDIENCE: 'api://todo',
  /** Directory for local data when `DATABASE_URL` is not given. */
  DATA_DIR: './data',
  /** `<points>/<seconds>` per caller, or `off`. */
  RATE_LIMIT: '600/60',
  /** Comma-separated origins allowed to call the API from a browser; empty = none. */
  CORS_ORIGINS: '',
  /** pino level. */
  LOG_LEVEL: 'info',
  /** Which proxies' `X-Forwarded-*` headers to believe: none unless told. */
  TRUST_PROXY: 'false',
} as const;

/** Largest request body accepted, in bytes; larger ones get 413. */
export const BODY_LIMIT = 64 * 1024;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * Where items are stored. `url` is what `DATABASE_URL` said; `display` is the same with any
 * password masked, for messages and logs.
 */
export type DatabaseConfig =
  | { kind: 'sqlite'; path: string; url: string; display: string }
  | { kind: 'postgres'; url: string; display: string };

/**
 * Fastify's `trustProxy`: `false` (the socket's address is the client), `true` (every hop; only
 * when the proxy in front overwrites `X-Forwarded-For`), a number of hops, or the proxies' addresses.
 */
export type TrustProxy = boolean | number | string[];

export type RateLimitConfig = { enabled: false } | { enabled: true; points: number; durationSeconds: number };

export interface AuthConfig {
  issuer: string | undefined;
  metadataUrl: string | undefined;
  audience: string[];
  /** `AUTH_TENANTS`: tenants a multi-tenant (`{tenantid}`) issuer accepts, or `'any'` (`*`); absent when unset. */
  tenants?: TenantPolicy;
  /**
   * `AUTH_INTROSPECTION_CLIENT_ID` / `_CLIENT_SECRET` (and `AUTH_INTROSPECTION_URL`): opaque tokens
   * are validated at the issuer's RFC 7662 introspection endpoint with these credentials; absent when unset.
   */
  introspection?: { clientId: string; clientSecret: string; endpoint?: string };
}

export interface Config {
  port: number;
  host: string;
  auth: AuthConfig;
  database: DatabaseConfig;
  /** Redis for rate-limit state shared by every instance (ioredis URL options allowed). */
  redisUrl: string | undefined;
  rateLimit: RateLimitConfig;
  corsOrigins: string[];
  logLevel: LogLevel;
  /** Externally visible base URL (e.g. behind a proxy); derived from each request when unset. */
  publicUrl: string | undefined;
  /** Which hops may say who the client is (`X-Forwarded-For`), and so key its rate-limit budgets. */
  trustProxy: TrustProxy;
  bodyLimit: number;
  /** `AUTH_DPOP`: DPoP (RFC 9449) `off`, `allowed` (default) or `required`. */
  dpop: DpopSetting;
  /** `AUTH_DPOP_NONCE_SECRET` (and `_LIFETIME`): DPoP proofs must carry a server nonce (RFC 9449 §9). */
  dpopNonce?: DpopNonceSetting;
  /**
   * `STEP_UP_ACR` / `STEP_UP_MAX_AGE`: what a user's sign-in must have been to delete an item
   * (RFC 9470); absent (the default) when neither is set.
   */
  stepUp?: StepUpConfig;
  /**
   * `STEP_UP_AUTH_CONTEXT`: a Microsoft Entra Conditional Access authentication context (`c1`..`c99`)
   * a user's token must carry in `acrs` to delete an item; clients that declared the `cp1`
   * capability get a claims challenge asking for it, others a 403.
   */
  deleteAuthContext?: string;
  /**
   * `TLS_CERT` / `TLS_KEY`: PEM files; the API then serves https itself and asks clients for a
   * certificate (certificate-bound tokens, RFC 8705); absent (plain http) when unset.
   */
  tls?: TlsConfig;
  /**
   * `AUTH_MTLS_CERT_HEADER` / `AUTH_MTLS_TRUSTED_PROXIES`: behind a TLS-terminating proxy, the
   * header it puts the client certificate in, and the proxies believed (default: loopback).
   */
  mtls?: MtlsConfig;
}

export interface TlsConfig {
  certFile: string;
  keyFile: string;
}

export interface MtlsConfig {
  certificateHeader: string;
  trustedProxies?: string[];
}

/** At least one of the two is present. */
export interface StepUpConfig {
  /** Authentication context classes that will do (any one), e.g. `['mfa']`. */
  acr?: string[];
  /** Longest time since the user signed in, in seconds. */
  maxAge?: number;
}

export type DpopSetting = 'off' | 'allowed' | 'required';

type Env = Record<string, string | undefined>;

/** Reads and checks the whole configuration; throws `ConfigError` on the first bad value. */
export function loadConfig(env: Env = process.env, options: { requireAuth?: boolean } = {}): Config {
  const auth = parseAuth(env, options.requireAuth ?? true);
  return {
    port: parsePort(value(env, 'PORT')),
    host: parseHost(value(env, 'HOST')),
    auth,
    database: parseDatabase(env),
    redisUrl: parseRedisUrl(env.REDIS_URL),
    rateLimit: parseRateLimit(value(env, 'RATE_LIMIT')),
    corsOrigins: parseOrigins(value(env, 'CORS_ORIGINS')),
    logLevel: parseLogLevel(value(env, 'LOG_LEVEL')),
    publicUrl: parsePublicUrl(env.PUBLIC_URL),
    trustProxy: parseTrustProxy(value(env, 'TRUST_PROXY')),
    bodyLimit: BODY_LIMIT,
    dpop: parseDpop(env.AUTH_DPOP),
    ...dpopNonceSetting(env),
    ...stepUpSetting(env),
    ...authContextSetting(env),
    ...tlsSetting(env),
    ...mtlsSetting(env),
  };
}

function dpopNonceSetting(env: Env): Pick<Config, 'dpopNonce'> {
  const dpopNonce = parseDpopNonce(env);
  return dpopNonce === undefined ? {} : { dpopNonce };
}

/** Both files or neither: a certificate without its key (or the reverse) serves nothing. */
function tlsSetting(env: Env): Pick<Config, 'tls'> {
  const cert = env.TLS_CERT?.trim() || undefined;
  const key = env.TLS_KEY?.trim() || undefined;
  if (cert === undefined && key === undefined) return {};
  if (cert === undefined)
    throw new ConfigError('TLS_CERT', 'must be set with TLS_KEY (the server certificate, PEM)');
  if (key === undefined) throw new ConfigError('TLS_KEY', 'must be set with TLS_CERT (its private key, PEM)');
  return { tls: { certFile: resolve(cert), keyFile: resolve(key) } };
}

function mtlsSetting(env: Env): Pick<Config, 'mtls'> {
  const header = env.AUTH_MTLS_CERT_HEADER?.trim() || undefined;
  const proxies = env.AUTH_MTLS_TRUSTED_PROXIES?.trim() || undefined;
  if (header === undefined) {
    if (proxies !== undefined)
      throw new ConfigError('AUTH_MTLS_TRUSTED_PROXIES', 'must be set with AUTH_MTLS_CERT_HEADER');
    return {};
  }
  if (!/^[A-Za-z0-9-]+$/.test(header))
    throw new ConfigError('AUTH_MTLS_CERT_HEADER', `must be a header name (got ${JSON.stringify(header)})`);
  if (proxies === undefined) return { mtls: { certificateHeader: header } };
  const trustedProxies = proxies
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  for (const entry of trustedProxies) {
    const [address = '', prefix, extra] = entry.split('/');
    const family = isIP(address);
    const bits = family === 4 ? 32 : 128;
    if (entry !== '*' && (family === 0 || extra !== undefined || !prefixFits(prefix, bits))) {
      throw new ConfigError(
        'AUTH_MTLS_TRUSTED_PROXIES',
        `must be comma-separated proxy addresses/CIDRs, or * (got ${JSON.stringify(entry)})`,
      );
    }
  }
  return { mtls: { certificateHeader: header, trustedProxies } };
}

function prefixFits(prefix: string | undefined, bits: number): boolean {
  return prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= bits);
}

/** Entra names authentication contexts `c1` to `c99`; anything else could never be issued. */
function authContextSetting(env: Env): Pick<Config, 'deleteAuthContext'> {
  const raw = env.STEP_UP_AUTH_CONTEXT?.trim();
  if (!raw) return {};
  if (!/^c[1-9]\d?$/.test(raw)) {
    throw new ConfigError(
      'STEP_UP_AUTH_CONTEXT',
      `must be an Entra authentication context id, c1 to c99 (got ${JSON.stringify(raw)})`,
    );
  }
  return { deleteAuthContext: raw };
}

function stepUpSetting(env: Env): Pick<Config, 'stepUp'> {
  const stepUp = parseStepUp(env);
  return stepUp === undefined ? {} : { stepUp };
}

function value(env: Env, name: keyof typeof DEFAULTS): string {
  const raw = env[name];
  return raw === undefined || raw.trim() === '' ? DEFAULTS[name] : raw.trim();
}

function parsePort(raw: string): number {
  if (!/^\d{1,5}$/.test(raw) || Number(raw) > 65535) {
    throw new ConfigError('PORT', `must be an integer from 0 to 65535 (got ${JSON.stringify(raw)})`);
  }
  return Number(raw);
}

function parseHost(raw: string): string {
  if (!/^[A-Za-z0-9.:_-]+$/.test(raw) && !/^\[[0-9A-Fa-f:.]+\]$/.test(raw)) {
    throw new ConfigError('HOST', `must be a host name or IP address (got ${JSON.stringify(raw)})`);
  }
  return raw;
}

function isLoopback(hostname: string): boolean {
  return (
    hostname === 'localhost' ||
    hostname === '[::1]' ||
    hostname === '::1' ||
    /^127(\.\d{1,3}){3}$/.test(hostname)
  );
}

/** https, or http to a loopback host (development and tests). */
function parseAuthUrl(name: string, raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(name, `must be an absolute URL (got ${JSON.stringify(raw)})`);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopback(url.hostname))) {
    throw new ConfigError(
      name,
      `must use https (plain http only for loopback hosts) (got ${JSON.stringify(raw)})`,
    );
  }
  return raw;
}

function parseAuth(env: Env, required: boolean): AuthConfig {
  const issuerRaw = env.AUTH_ISSUER?.trim() || undefined;
  const metadataRaw = env.AUTH_METADATA_URL?.trim() || undefined;
  if (required && !issuerRaw && !metadataRaw) {
    throw new ConfigError(
      'AUTH_ISSUER',
      'is not set (set AUTH_ISSUER or AUTH_METADATA_URL; `npm start` sets it)',
    );
  }
  const audience = value(env, 'AUTH_AUDIENCE')
    .split(',')
    .map((a) => a.trim())
    .filter((a) => a !== '');
  if (audience.length === 0) throw new ConfigError('AUTH_AUDIENCE', 'must name at least one audience');
  const tenants = parseTenants(env.AUTH_TENANTS);
  const introspection = parseIntrospection(env);
  return {
    issuer: issuerRaw === undefined ? undefined : parseAuthUrl('AUTH_ISSUER', issuerRaw),
    metadataUrl: metadataRaw === undefined ? undefined : parseAuthUrl('AUTH_METADATA_URL', metadataRaw),
    audience,
    ...(tenants === undefined ? {} : { tenants }),
    ...(introspection === undefined ? {} : { introspection }),
  };
}

/** RFC 7662 introspection credentials: the client id and secret together, the URL only with them. */
function parseIntrospection(env: Env): AuthConfig['introspection'] {
  const clientId = env.AUTH_INTROSPECTION_CLIENT_ID?.trim() || undefined;
  // A secret is used as given: surrounding spaces could be part of it.
  const clientSecret = env.AUTH_INTROSPECTION_CLIENT_SECRET || undefined;
  const url = env.AUTH_INTROSPECTION_URL?.trim() || undefined;
  if (clientId === undefined) {
    if (clientSecret !== undefined)
      throw new ConfigError(
        'AUTH_INTROSPECTION_CLIENT_ID',
        'must be set with AUTH_INTROSPECTION_CLIENT_SECRET',
      );
    if (url !== undefined)
      throw new ConfigError('AUTH_INTROSPECTION_CLIENT_ID', 'must be set with AUTH_INTROSPECTION_URL');
    return undefined;
  }
  if (clientSecret === undefined)
    throw new ConfigError(
      'AUTH_INTROSPECTION_CLIENT_SECRET',
      'must be set with AUTH_INTROSPECTION_CLIENT_ID',
    );
  return {
    clientId,
    clientSecret,
    ...(url === undefined ? {} : { endpoint: parseAuthUrl('AUTH_INTROSPECTION_URL', url) }),
  };
}

/** Comma-separated tenant ids, or `*` to accept every tenant of a multi-tenant issuer. */
function parseTenants(raw: string | undefined): TenantPolicy | undefined {
  const trimmed = raw?.trim();
  if (!trimmed) return undefined;
  if (trimmed === '*') return 'any';
  const tenants = trimmed
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '');
  const bad = tenants.find((t) => !isTenantId(t));
  if (bad !== undefined) {
    throw new ConfigError(
      'AUTH_TENANTS',
      `must be comma-separated tenant ids (GUIDs) or * for any tenant (got ${JSON.stringify(bad)})`,
    );
  }
  return tenants;
}

function parseDatabase(env: Env): DatabaseConfig {
  const dataDir = value(env, 'DATA_DIR');
  const raw = env.DATABASE_URL?.trim() || `sqlite:${dataDir.replace(/\/+$/, '')}/todos.db`;
  if (/^postgres(ql)?:\/\//i.test(raw)) return parsePostgresUrl(raw);
  const match = /^sqlite:(?:\/\/)?(.+)$/i.exec(raw);
  const path = match?.[1];
  if (path === undefined || path.trim() === '') {
    throw new ConfigError(
      'DATABASE_URL',
      `must be sqlite:<path> or postgres://... (got ${JSON.stringify(raw)})`,
    );
  }
  if (path === ':memory:') return { kind: 'sqlite', path, url: raw, display: raw };
  return { kind: 'sqlite', path: isAbsolute(path) ? path : resolve(path), url: raw, display: raw };
}

/** `postgres://user:password@host:port/database?options=...`; the password never reaches a message. */
function parsePostgresUrl(raw: string): DatabaseConfig {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError('DATABASE_URL', 'must be a valid postgres://user@host:port/database URL');
  }
  if (url.password !== '') url.password = '*****';
  return { kind: 'postgres', url: raw, display: url.href };
}

function parseDpop(raw: string | undefined): DpopSetting {
  const trimmed = raw?.trim().toLowerCase();
  if (!trimmed) return 'allowed';
  if (trimmed === 'off' || trimmed === 'allowed' || trimmed === 'required') return trimmed;
  throw new ConfigError('AUTH_DPOP', `must be off, allowed or required (got ${JSON.stringify(raw?.trim())})`);
}

/**
 * `STEP_UP_ACR`: comma-separated `acr` values, any of which will do; `STEP_UP_MAX_AGE`: seconds.
 * Values go verbatim into a quoted `acr_values="..."` challenge, so spaces, quotes and backslashes
 * are refused here rather than at the first request.
 */
function parseStepUp(env: Env): StepUpConfig | undefined {
  const acrRaw = env.STEP_UP_ACR?.trim() || undefined;
  const maxAgeRaw = env.STEP_UP_MAX_AGE?.trim() || undefined;
  let acr: string[] | undefined;
  if (acrRaw !== undefined) {
    acr = acrRaw
      .split(',')
      .map((a) => a.trim())
      .filter((a) => a !== '');
    const bad = acr.find((a) => !/^[\x21\x23-\x2b\x2d-\x5b\x5d-\x7e]+$/.test(a));
    if (acr.length === 0 || bad !== undefined) {
      throw new ConfigError(
        'STEP_UP_ACR',
        `must be comma-separated acr values without spaces, quotes or backslashes, e.g. mfa (got ${JSON.stringify(bad ?? acrRaw)})`,
      );
    }
  }
  let maxAge: number | undefined;
  if (maxAgeRaw !== undefined) {
    if (!/^\d{1,9}$/.test(maxAgeRaw)) {
      throw new ConfigError(
        'STEP_UP_MAX_AGE',
        `must be a whole number of seconds, e.g. 300 (got ${JSON.stringify(maxAgeRaw)})`,
      );
    }
    maxAge = Number(maxAgeRaw);
  }
  if (acr === undefined && maxAge === undefined) return undefined;
  return { ...(acr === undefined ? {} : { acr }), ...(maxAge === undefined ? {} : { maxAge }) };
}

function parseRedisUrl(raw: string | undefined): string | undefined {
  const trimmed = raw?.trim();
  if (!trimmed) return undefined;
  if (!/^rediss?:\/\/[^\s]+$/.test(trimmed)) {
    throw new ConfigError(
      'REDIS_URL',
      `must be redis://... or rediss://... (got ${JSON.stringify(trimmed)})`,
    );
  }
  return trimmed;
}

function parseRateLimit(raw: string): RateLimitConfig {
  if (raw.toLowerCase() === 'off') return { enabled: false };
  const match = /^(\d{1,9})\/(\d{1,6})$/.exec(raw);
  const points = Number(match?.[1]);
  const durationSeconds = Number(match?.[2]);
  if (!match || points < 1 || durationSeconds < 1) {
    throw new ConfigError(
      'RATE_LIMIT',
      `must be off or <points>/<seconds>, e.g. 600/60 (got ${JSON.stringify(raw)})`,
    );
  }
  return { enabled: true, points, durationSeconds };
}

function parseOrigins(raw: string): string[] {
  const origins = raw
    .split(',')
    .map((o) => o.trim())
    .filter((o) => o !== '');
  for (const origin of origins) {
    if (origin === '*') throw new ConfigError('CORS_ORIGINS', 'must list explicit origins, not *');
    let url: URL | undefined;
    try {
      url = new URL(origin);
    } catch {
      url = undefined;
    }
    if (
      !url ||
      url.origin !== origin.replace(/\/$/, '') ||
      (url.protocol !== 'http:' && url.protocol !== 'https:')
    ) {
      throw new ConfigError(
        'CORS_ORIGINS',
        `must be comma-separated origins like https://app.example.com (got ${JSON.stringify(origin)})`,
      );
    }
  }
  return origins.map((o) => o.replace(/\/$/, ''));
}

function parseTrustProxy(raw: string): TrustProxy {
  const lower = raw.toLowerCase();
  if (lower === 'false') return false;
  if (lower === 'true') return true;
  if (/^\d{1,2}$/.test(raw)) return Number(raw);
  const entries = raw
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '');
  for (const entry of entries) {
    const [address = '', prefix, extra] = entry.split('/');
    const family = isIP(address);
    const maxPrefix = family === 4 ? 32 : 128;
    const prefixOk = prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= maxPrefix);
    if (family === 0 || !prefixOk || extra !== undefined) {
      throw new ConfigError(
        'TRUST_PROXY',
        `must be true, false, a hop count, or comma-separated proxy addresses/CIDRs (got ${JSON.stringify(entry)})`,
      );
    }
  }
  if (entries.length === 0) throw new ConfigError('TRUST_PROXY', 'must not be empty');
  return entries;
}

function parseLogLevel(raw: string): LogLevel {
  const level = LOG_LEVELS.find((l) => l === raw.toLowerCase());
  if (!level)
    throw new ConfigError(
      'LOG_LEVEL',
      `must be one of ${LOG_LEVELS.join(', ')} (got ${JSON.stringify(raw)})`,
    );
  return level;
}

/**
 * The API's RFC 9728 resource identifier: an https URL (http on loopback hosts, for development)
 * without query, fragment or credentials. Clients compare it byte for byte with the URL they
 * fetched metadata for, so it is kept in one canonical form, without a trailing slash.
 */
function parsePublicUrl(raw: string | undefined): string | undefined {
  const trimmed = raw?.trim();
  if (!trimmed) return undefined;
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    throw new ConfigError('PUBLIC_URL', `must be an absolute URL (got ${JSON.stringify(trimmed)})`);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopback(url.hostname))) {
    throw new ConfigError(
      'PUBLIC_URL',
      `must be an https URL (plain http only for loopback hosts) (got ${JSON.stringify(trimmed)})`,
    );
  }
  if (
    url.search !== '' ||
    url.hash !== '' ||
    trimmed.includes('#') ||
    url.username !== '' ||
    url.password !== ''
  ) {
    throw new ConfigError(
      'PUBLIC_URL',
      `must have no query, fragment or credentials (got ${JSON.stringify(trimmed)})`,
    );
  }
  return url.href.replace(/\/+$/, '');
}
