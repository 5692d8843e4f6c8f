import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { DevIdpError } from './errors.ts';
import { PROFILE_NAMES, type ProfileName } from './profiles/types.ts';

/** Anything with these three methods: `console`, a pino logger, a test spy. */
export interface DevIdpLogger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface DevIdpOptions {
  /** Port to listen on; `0` picks a free one (the issuer then names the real port). @default 3001 */
  port?: number;
  /** Interface to listen on. @default '127.0.0.1' */
  host?: string;
  /**
   * Serve https with a development CA generated under `dataDir` (made in JavaScript; no external
   * command). Clients trust it with `NODE_EXTRA_CA_CERTS=<dataDir>/ca.pem`. MSAL needs this:
   * it refuses authorities that are not https. @default false
   */
  https?: boolean;
  /**
   * Which provider's tokens to speak (one per IdP instance): `entra` (Entra ID v2), `b2c` (Azure AD
   * B2C user flows), `auth0`, `keycloak`. See the README for each one's issuer and claims.
   * @default 'entra'
   */
  profile?: ProfileName;
  /**
   * The origin clients reach the IdP at, without a path; the issuer is this origin for `entra`,
   * and the profile's issuer under it for the others (`${issuer}/realms/gatehouse`).
   * @default `http://localhost:${port}` (`https://` in https mode)
   */
  issuer?: string;
  /** Where keys and issued grants persist between runs. @default './data/dev-idp' */
  dataDir?: string;
  /** Port of the to-do API, for the Swagger UI redirect URIs of `todo-docs`. @default 3000 */
  apiPort?: number;
  /** Port of the web app, for the redirect URIs of `todo-web`. @default 3002 */
  webPort?: number;
  /** Extra redirect URIs accepted for `todo-web` (e.g. a web app on another host). @default [] */
  webRedirectUris?: string[];
  /** @default warnings and errors to the console, nothing else */
  logger?: DevIdpLogger;
}

export interface ResolvedOptions {
  profile: ProfileName;
  port: number;
  host: string;
  https: boolean;
  issuer: string | undefined;
  dataDir: string;
  apiPort: number;
  webPort: number;
  webRedirectUris: string[];
  logger: DevIdpLogger;
}

const quietLogger: DevIdpLogger = {
  info() {},
  warn: (message) => console.warn(message),
  error: (message) => console.error(message),
};

export const defaultOptions = {
  port: 3001,
  host: '127.0.0.1',
  dataDir: './data/dev-idp',
  apiPort: 3000,
  webPort: 3002,
} as const;

function invalid(option: string, expected: string): DevIdpError {
  return new DevIdpError('ERR_DEV_IDP_OPTION', `dev-idp: option ${option} must be ${expected}`);
}

function checkPort(option: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > 65535) {
    throw invalid(option, `an integer from ${min} to 65535`);
  }
  return value;
}

/** Whether a host name or address is loopback (anything else is reachable from other machines). */
export function isLoopback(hostname: string): boolean {
  const bare = hostname.replace(/^\[|\]$/g, '');
  return bare === 'localhost' || bare === '::1' || (isIP(bare) === 4 && bare.startsWith('127.'));
}

function checkIssuer(value: unknown): string {
  const url = typeof value === 'string' ? URL.parse(value) : null;
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    throw invalid('issuer', 'an http(s) URL');
  }
  if (url.protocol === 'http:' && !isLoopback(url.hostname)) {
    throw invalid('issuer', 'https unless its host is a loopback address');
  }
  // Routes are served from the root, so a path would make discovery lie about the endpoints.
  if (url.pathname !== '/' || url.search || url.hash) {
    throw invalid('issuer', 'an origin, without path, query or fragment');
  }
  return url.origin;
}

function checkRedirectUris(value: unknown): string[] {
  if (!Array.isArray(value) || !value.every((uri) => typeof uri === 'string' && URL.canParse(uri))) {
    throw invalid('webRedirectUris', 'an array of absolute URLs');
  }
  return [...value];
}

/** Checks every option once, at start-up, and fills in the defaults. */
export function resolveOptions(options: DevIdpOptions = {}): ResolvedOptions {
  const host = options.host ?? defaultOptions.host;
  if (typeof host !== 'string' || host === '') throw invalid('host', 'a non-empty string');
  const dataDir = options.dataDir ?? defaultOptions.dataDir;
  if (typeof dataDir !== 'string' || dataDir === '') throw invalid('dataDir', 'a non-empty path');
  const https = options.https ?? false;
  if (typeof https !== 'boolean') throw invalid('https', 'a boolean');
  const issuer = options.issuer === undefined ? undefined : checkIssuer(options.issuer);
  // The issuer names what this server itself serves; an https issuer over plain http is left
  // possible (a TLS-terminating proxy in front), the reverse never works.
  if (https && issuer?.startsWith('http:')) throw invalid('issuer', 'https when option https is true');
  const profile = options.profile ?? 'entra';
  if (!PROFILE_NAMES.includes(profile)) throw invalid('profile', `one of ${PROFILE_NAMES.join(', ')}`);
  return {
    profile,
    port: checkPort('port', options.port ?? defaultOptions.port, 0),
    host,
    https,
    issuer,
    dataDir: resolve(dataDir),
    apiPort: checkPort('apiPort', options.apiPort ?? defaultOptions.apiPort, 1),
    webPort: checkPort('webPort', options.webPort ?? defaultOptions.webPort, 1),
    webRedirectUris: checkRedirectUris(options.webRedirectUris ?? []),
    logger: options.logger ?? quietLogger,
  };
}

/** The only environments a development IdP runs in; anything else (`prod`, `Production`, `staging`) might serve real users. */
const DEVELOPMENT_ENVIRONMENTS = ['', 'development', 'test'];

/** A development IdP with published secrets and password-less sign-in must never serve real users. */
export function assertNotProduction(env: NodeJS.ProcessEnv = process.env): void {
  const value = env.NODE_ENV;
  if (value === undefined || DEVELOPMENT_ENVIRONMENTS.includes(value)) return;
  const shown = /^[\w.-]+$/.test(value) ? value : JSON.stringify(value);
  throw new DevIdpError(
    'ERR_DEV_IDP_PRODUCTION',
    `dev-idp refuses to start with NODE_ENV=${shown}: it runs only with NODE_ENV unset, development or test, ` +
      'being a development identity provider with published secrets and password-less sign-in; ' +
      'set AUTH_ISSUER to a real identity provider instead',
  );
}
