/**
 * Where the daemon's settings come from, strongest first: command-line flags, the environment, a
 * `.env` file in the current directory, then defaults that fit the development system (`npm start`),
 * so that `todo list` just works there. Everything is checked here, before anything is sent.
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join, resolve } from 'node:path';
import { parseEnv } from 'node:util';
import { usageError } from './errors.ts';

/** What `npm start` runs: the dev IdP on 3001 (seeded client `todo-daemon`) and the API on 3000. */
export const DEV_DEFAULTS = {
  authority: 'http://localhost:3001',
  clientId: 'todo-daemon',
  // Published in packages/dev-idp; it protects nothing and is only ever sent to a loopback IdP.
  clientSecret: 'dev-daemon-secret',
  apiUrl: 'http://127.0.0.1:3000',
  scope: 'api://todo/.default',
  /** The dev IdP's client that authenticates with its TLS certificate (https mode; RFC 8705). */
  mtlsClientId: 'todo-daemon-mtls',
} as const;

/** Settings a flag may give; secrets are deliberately not among them (they would show in `ps`). */
export interface ConfigFlags {
  authority?: string;
  clientId?: string;
  privateKey?: string;
  certificate?: string;
  apiUrl?: string;
  scope?: string;
  /** `--dpop`: ask for a DPoP-bound token (RFC 9449) and prove possession on every API call. */
  dpop?: boolean;
  /** `--tls-cert`: the TLS client certificate (PEM) for mutual TLS (RFC 8705). */
  tlsCert?: string;
  /** `--tls-key`: its private key (PEM). */
  tlsKey?: string;
}

export type Credential =
  | { kind: 'secret'; secret: string }
  | { kind: 'private_key_jwt'; keyFile: string; certificateFile: string | undefined }
  /** RFC 8705 §2: the TLS client certificate is the credential (`tls_client_auth`, `self_signed_tls_client_auth`). */
  | { kind: 'tls_client_auth' };

export interface Config {
  /** Issuer identifier, or the full URL of its metadata document (anything with `/.well-known/`). */
  authority: URL;
  clientId: string;
  credential: Credential;
  apiUrl: URL;
  scope: string;
  /** `--dpop` or `TODO_DPOP=1`: DPoP-bound tokens (RFC 9449), a proof with every request. */
  dpop: boolean;
  /**
   * `--tls-cert` / `--tls-key` (TODO_TLS_CERT / TODO_TLS_KEY): mutual TLS with the identity
   * provider and the API; the token is bound to this certificate (RFC 8705 §3).
   */
  tls?: { certFile: string; keyFile: string };
  /** Where each setting came from (`--api-url`, `TODO_API_URL`, `TODO_API_URL in .env`, `default`). */
  sources: Readonly<Record<'authority' | 'clientId' | 'credential' | 'apiUrl' | 'scope', string>>;
}

export interface ConfigInput {
  flags: ConfigFlags;
  env: NodeJS.ProcessEnv;
  /** The parsed `.env` file; see readDotEnv. */
  dotenv: Readonly<Record<string, string>>;
  /** Relative key and certificate paths are resolved against it. */
  cwd: string;
}

/** Reads `.env` in `cwd` (absent is fine); the real environment still wins over it. */
export function readDotEnv(cwd: string): Record<string, string> {
  const path = join(cwd, '.env');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if (error instanceof Error && 'code' in error && error.code === 'ENOENT') return {};
    const code = error instanceof Error && 'code' in error ? String(error.code) : String(error);
    throw usageError(`cannot read ${path} (${code})`);
  }
  // parseEnv is Node's own .env parser: same syntax as `node --env-file`, nothing to install.
  const parsed = parseEnv(text);
  return Object.fromEntries(
    Object.entries(parsed).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
  );
}

interface Picked {
  value: string;
  source: string;
}

function picker(input: ConfigInput) {
  return (flag: string | undefined, flagName: string | undefined, ...names: string[]): Picked | undefined => {
    if (flag !== undefined && flagName) return { value: flag, source: flagName };
    for (const name of names) {
      const value = input.env[name];
      if (value !== undefined && value !== '') return { value, source: name };
    }
    for (const name of names) {
      const value = input.dotenv[name];
      if (value !== undefined && value !== '') return { value, source: `${name} in .env` };
    }
    return undefined;
  };
}

/** Literal loopback addresses and the exact name `localhost`; `*.localhost` is resolved by DNS on some systems. */
export function isLoopback(url: URL): boolean {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));
}

/**
 * An http(s) URL; plain http only on loopback, since what travels to these URLs (client secrets,
 * assertions, access tokens) must not cross a network in clear text.
 */
function parseUrl(picked: Picked, what: string): URL {
  const url = URL.parse(picked.value.trim());
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:') || url.username || url.password) {
    throw usageError(`${picked.source} must be an absolute http(s) URL of the ${what}`);
  }
  if (url.protocol === 'http:' && !isLoopback(url)) {
    throw usageError(`${picked.source} must use https (plain http only for localhost/127.0.0.1)`);
  }
  if (url.search || url.hash) throw usageError(`${picked.source} must not have a query or fragment`);
  return url;
}

function nonEmpty(picked: Picked, what: string): string {
  const value = picked.value.trim();
  if (value === '' || /[\s]/.test(value))
    throw usageError(`${picked.source} must be a ${what} without spaces`);
  return value;
}

/** An on/off setting: 1, true, yes, on, or 0, false, no, off. */
function parseSwitch(picked: Picked): boolean {
  const value = picked.value.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(value)) return true;
  if (['0', 'false', 'no', 'off'].includes(value)) return false;
  throw usageError(`${picked.source} must be 1 or 0 (got "${picked.value}")`);
}

export function resolveConfig(input: ConfigInput): Config {
  const pick = picker(input);
  const { flags } = input;

  const authorityPick = pick(flags.authority, '--authority', 'TODO_AUTHORITY', 'AUTH_ISSUER') ?? {
    value: DEV_DEFAULTS.authority,
    source: 'default',
  };
  const authority = parseUrl(authorityPick, 'identity provider (its issuer)');
  const onDevIdp = isLoopback(authority);

  const tlsCert = pick(flags.tlsCert, '--tls-cert', 'TODO_TLS_CERT');
  const tlsKey = pick(flags.tlsKey, '--tls-key', 'TODO_TLS_KEY');
  if (tlsCert && !tlsKey)
    throw usageError(`${tlsCert.source} needs TODO_TLS_KEY (or --tls-key): its private key`);
  if (tlsKey && !tlsCert)
    throw usageError(`${tlsKey.source} needs TODO_TLS_CERT (or --tls-cert): its certificate`);
  const tls =
    tlsCert && tlsKey
      ? {
          certFile: resolve(input.cwd, tlsCert.value.trim()),
          keyFile: resolve(input.cwd, tlsKey.value.trim()),
        }
      : undefined;

  const clientIdPick = pick(flags.clientId, '--client-id', 'TODO_CLIENT_ID');
  if (!clientIdPick && !onDevIdp) {
    throw usageError(
      `TODO_CLIENT_ID (or --client-id) is required when ${authorityPick.source} is not the local dev IdP`,
    );
  }
  const devClientId = tls ? DEV_DEFAULTS.mtlsClientId : DEV_DEFAULTS.clientId;
  const clientId = clientIdPick ? nonEmpty(clientIdPick, 'client id') : devClientId;

  const secret = pick(undefined, undefined, 'TODO_CLIENT_SECRET');
  const key = pick(flags.privateKey, '--private-key', 'TODO_PRIVATE_KEY');
  const certificate = pick(flags.certificate, '--certificate', 'TODO_CERTIFICATE');
  if (secret && key) {
    throw usageError(`give either ${secret.source} or ${key.source}, not both`);
  }
  if (certificate && !key) {
    throw usageError(
      `${certificate.source} needs TODO_PRIVATE_KEY (or --private-key): the certificate's private key`,
    );
  }

  let credential: Credential;
  let credentialSource: string;
  if (key) {
    credential = {
      kind: 'private_key_jwt',
      keyFile: resolve(input.cwd, key.value.trim()),
      certificateFile: certificate ? resolve(input.cwd, certificate.value.trim()) : undefined,
    };
    credentialSource = key.source;
  } else if (secret) {
    credential = { kind: 'secret', secret: secret.value };
    credentialSource = secret.source;
  } else if (tls && tlsCert) {
    credential = { kind: 'tls_client_auth' };
    credentialSource = tlsCert.source;
  } else if (onDevIdp && clientId === DEV_DEFAULTS.clientId) {
    credential = { kind: 'secret', secret: DEV_DEFAULTS.clientSecret };
    credentialSource = 'default';
  } else {
    throw usageError(
      `client ${clientId} needs a credential: set TODO_CLIENT_SECRET, or TODO_PRIVATE_KEY (or --private-key) to a PEM key file, or TODO_TLS_CERT and TODO_TLS_KEY (or --tls-cert, --tls-key) for mutual TLS`,
    );
  }

  const apiPick = pick(flags.apiUrl, '--api-url', 'TODO_API_URL') ?? {
    value: DEV_DEFAULTS.apiUrl,
    source: 'default',
  };
  const scopePick = pick(flags.scope, '--scope', 'TODO_SCOPE') ?? {
    value: DEV_DEFAULTS.scope,
    source: 'default',
  };
  const scope = scopePick.value.trim().replace(/\s+/g, ' ');
  if (scope === '') throw usageError(`${scopePick.source} must name at least one scope`);

  const apiUrl = parseUrl(apiPick, 'to-do API');
  // A certificate is presented in a TLS handshake: there is none over plain http.
  if (tls) {
    for (const [url, picked] of [
      [authority, authorityPick],
      [apiUrl, apiPick],
    ] as const) {
      if (url.protocol !== 'https:')
        throw usageError(`${picked.source} must use https with a TLS client certificate (mutual TLS)`);
    }
  }

  const dpopPick = pick(flags.dpop ? '1' : undefined, '--dpop', 'TODO_DPOP');
  const dpop = dpopPick ? parseSwitch(dpopPick) : false;

  return {
    authority,
    clientId,
    credential,
    apiUrl,
    scope,
    dpop,
    ...(tls ? { tls } : {}),
    sources: {
      authority: authorityPick.source,
      clientId: clientIdPick?.source ?? 'default',
      credential: credentialSource,
      apiUrl: apiPick.source,
      scope: scopePick.source,
    },
  };
}
