/**
 * The web app's whole configuration, read once from the environment at start-up. Every variable
 * has its default in `DEFAULTS` (the `npm start` layout: API on 3000, dev IdP on 3001, this app on
 * 3002); a bad value throws a `ConfigError` naming the variable, printed as one line by server.ts.
 */
import { isIP } from 'node:net';
import { ConfigError } from 'gatehouse-todo-api/config-error';

export const DEFAULTS = {
  /** Port to listen on (`WEB_PORT`, else `PORT`, which `npm start` sets to its PORT+2). */
  PORT: '3002',
  /** Interface to listen on; loopback unless told otherwise. */
  HOST: '127.0.0.1',
  /** OpenID Connect issuer; discovery at `${AUTH_ISSUER}/.well-known/openid-configuration`. */
  AUTH_ISSUER: 'http://localhost:3001',
  /** Client id registered at the issuer (a public client using PKCE). */
  WEB_CLIENT_ID: 'todo-web',
  /** Base URL of the to-do API (`TODO_API_URL`, else `API_URL`, which `npm start` sets). */
  TODO_API_URL: 'http://127.0.0.1:3000',
  /** Scopes requested at sign-in, space-separated; must include `openid`. */
  WEB_SCOPES: 'openid profile offline_access api://todo/ToDoList.Read api://todo/ToDoList.ReadWrite',
  /** Where the session key is generated when `WEB_SESSION_SECRET` is not set. */
  DATA_DIR: './data',
  /** pino level for the server log. */
  LOG_LEVEL: 'info',
} as const;

/** How long a signed-in session lasts at most, whatever the tokens say. */
export const SESSION_MAX_AGE_SECONDS = 12 * 60 * 60;
/** How long a started sign-in may take before its state, nonce and PKCE verifier expire. */
export const SIGN_IN_MAX_AGE_SECONDS = 10 * 60;
/** Access tokens are refreshed when fewer than this many seconds remain. */
export const REFRESH_BEFORE_EXPIRY_SECONDS = 60;
/** Calls to the API and the identity provider give up after this long. */
export const OUTBOUND_TIMEOUT_MS = 5000;
/** Shortest accepted `WEB_SESSION_SECRET` (each, when several are given). */
export const MIN_SECRET_LENGTH = 32;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface Config {
  port: number;
  host: string;
  /** Origin browsers use to reach this app (`WEB_BASE_URL`, else `http://localhost:${port}`). */
  baseUrl: string;
  /** True when `baseUrl` is https: cookies get `Secure` and the `__Host-` prefix. */
  secure: boolean;
  issuer: string;
  clientId: string;
  /** `${baseUrl}/auth/callback`, registered at the issuer. */
  redirectUri: string;
  /** `${baseUrl}/`, where the issuer sends the browser after signing out. */
  postLogoutRedirectUri: string;
  scopes: string;
  /** RFC 8707 `resource` sent at sign-in, if the issuer needs one besides the scopes. */
  resource: string | undefined;
  apiUrl: string;
  /** Secrets from `WEB_SESSION_SECRET` (first encrypts, all decrypt); empty: use the key file. */
  sessionSecrets: string[];
  dataDir: string;
  logLevel: LogLevel;
}

type Env = Record<string, string | undefined>;

function read(env: Env, ...names: string[]): { name: string; value: string } | undefined {
  for (const name of names) {
    const value = env[name]?.trim();
    if (value) return { name, value };
  }
  return undefined;
}

function got(value: string): string {
  return `(got ${JSON.stringify(value)})`;
}

export function isLoopbackHost(hostname: string): boolean {
  const bare = hostname.replace(/^\[|\]$/g, '');
  return bare === 'localhost' || bare === '::1' || (isIP(bare) === 4 && bare.startsWith('127.'));
}

/** An absolute http(s) URL; plain http only for loopback hosts. No query, fragment or credentials. */
function parseUrl(name: string, raw: string): URL {
  const url = URL.parse(raw);
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    throw new ConfigError(name, `must be an absolute http(s) URL ${got(raw)}`);
  }
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
    throw new ConfigError(name, `must use https (plain http only for loopback hosts) ${got(raw)}`);
  }
  if (url.search || url.hash || url.username || url.password) {
    throw new ConfigError(name, `must not carry a query, fragment or credentials ${got(raw)}`);
  }
  return url;
}

function withoutTrailingSlash(url: URL): string {
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

function parsePort(env: Env): number {
  const found = read(env, 'WEB_PORT', 'PORT') ?? { name: 'WEB_PORT', value: DEFAULTS.PORT };
  if (!/^\d{1,5}$/.test(found.value) || Number(found.value) > 65535) {
    throw new ConfigError(found.name, `must be an integer from 0 to 65535 ${got(found.value)}`);
  }
  return Number(found.value);
}

function parseHost(env: Env): string {
  const raw = read(env, 'HOST')?.value ?? DEFAULTS.HOST;
  if (!/^[A-Za-z0-9.:_-]+$/.test(raw) && !/^\[[0-9A-Fa-f:.]+\]$/.test(raw)) {
    throw new ConfigError('HOST', `must be a host name or IP address ${got(raw)}`);
  }
  return raw;
}

function parseBaseUrl(env: Env, port: number): string {
  const raw = read(env, 'WEB_BASE_URL')?.value;
  if (raw === undefined) {
    if (port === 0) {
      throw new ConfigError(
        'WEB_PORT',
        'may be 0 only with WEB_BASE_URL set (the redirect URI names the port)',
      );
    }
    return `http://localhost:${port}`;
  }
  const url = parseUrl('WEB_BASE_URL', raw);
  // Routes are served from the root, so a path would make every link and redirect URI wrong.
  if (url.pathname !== '/')
    throw new ConfigError('WEB_BASE_URL', `must be an origin, without a path ${got(raw)}`);
  return url.origin;
}

function parseScopes(env: Env): string {
  const raw = read(env, 'WEB_SCOPES')?.value ?? DEFAULTS.WEB_SCOPES;
  const scopes = raw.split(/\s+/).filter(Boolean);
  if (!scopes.includes('openid')) throw new ConfigError('WEB_SCOPES', `must include openid ${got(raw)}`);
  if (scopes.some((scope) => !/^[\x21\x23-\x5B\x5D-\x7E]+$/.test(scope))) {
    throw new ConfigError('WEB_SCOPES', `must be space-separated OAuth scope tokens ${got(raw)}`);
  }
  return scopes.join(' ');
}

function parseResource(env: Env): string | undefined {
  const raw = read(env, 'WEB_RESOURCE')?.value;
  if (raw !== undefined && !URL.canParse(raw)) {
    throw new ConfigError('WEB_RESOURCE', `must be an absolute URI, e.g. api://todo ${got(raw)}`);
  }
  return raw;
}

function parseSecrets(env: Env): string[] {
  const raw = read(env, 'WEB_SESSION_SECRET')?.value;
  if (raw === undefined) return [];
  const secrets = raw.split(',').map((secret) => secret.trim());
  if (secrets.some((secret) => secret.length < MIN_SECRET_LENGTH)) {
    throw new ConfigError(
      'WEB_SESSION_SECRET',
      `must be at least ${MIN_SECRET_LENGTH} characters (comma-separated when rotating), e.g. from \`openssl rand -base64 32\``,
    );
  }
  return secrets;
}

function parseLogLevel(env: Env): LogLevel {
  const raw = read(env, 'LOG_LEVEL')?.value ?? DEFAULTS.LOG_LEVEL;
  const level = LOG_LEVELS.find((candidate) => candidate === raw);
  if (!level) throw new ConfigError('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')} ${got(raw)}`);
  return level;
}

function parseClientId(env: Env): string {
  const raw = read(env, 'WEB_CLIENT_ID')?.value ?? DEFAULTS.WEB_CLIENT_ID;
  if (!/^[\x21-\x7E]+$/.test(raw))
    throw new ConfigError('WEB_CLIENT_ID', `must be printable ASCII ${got(raw)}`);
  return raw;
}

/** Reads and checks the whole configuration; throws `ConfigError` on the first bad value. */
export function loadConfig(env: Env = process.env): Config {
  const port = parsePort(env);
  const baseUrl = parseBaseUrl(env, port);
  const issuer = parseUrl('AUTH_ISSUER', read(env, 'AUTH_ISSUER')?.value ?? DEFAULTS.AUTH_ISSUER);
  const api = read(env, 'TODO_API_URL', 'API_URL') ?? { name: 'TODO_API_URL', value: DEFAULTS.TODO_API_URL };
  return {
    port,
    host: parseHost(env),
    baseUrl,
    secure: baseUrl.startsWith('https:'),
    // The issuer identifier is compared exactly; only a lone trailing slash is dropped.
    issuer: issuer.pathname === '/' ? issuer.origin : issuer.href,
    clientId: parseClientId(env),
    redirectUri: `${baseUrl}/auth/callback`,
    postLogoutRedirectUri: `${baseUrl}/`,
    scopes: parseScopes(env),
    resource: parseResource(env),
    apiUrl: withoutTrailingSlash(parseUrl(api.name, api.value)),
    sessionSecrets: parseSecrets(env),
    dataDir: read(env, 'DATA_DIR')?.value ?? DEFAULTS.DATA_DIR,
    logLevel: parseLogLevel(env),
  };
}
