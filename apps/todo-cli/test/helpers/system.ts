/**
 * Real processes for the CLI's end-to-end tests: the dev IdP (its CLI) and the to-do API
 * (apps/todo-api/src/server.ts), each a child process on a free port with its data in a temporary
 * directory; and the `todo` CLI itself, run as a child process as a user would.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join, resolve } from 'node:path';
import { DEV_TENANT_ID, DEV_USERS } from 'gatehouse-dev-idp';
import { freePort } from 'gatehouse-test-support/ports';
import { type NodeProcess, startNode, waitUntilReady } from 'gatehouse-test-support/processes';
import { tempDir } from 'gatehouse-test-support/temp';

export const ROOT = resolve(import.meta.dirname, '../../../..');
export const CLI = join(ROOT, 'apps/todo-cli/src/cli.ts');
export const CLI_PACKAGE = join(ROOT, 'apps/todo-cli');
const IDP_CLI = join(ROOT, 'packages/dev-idp/src/cli.ts');
const API_ENTRY = join(ROOT, 'apps/todo-api/src/server.ts');

/** Users of the dev IdP: an app names the owner of what it creates by the user's oid. */
export const ALICE = DEV_USERS[0]?.oid ?? '';
export const BOB = DEV_USERS[1]?.oid ?? '';

// The environment children start from: nothing of the developer's own todo/auth configuration.
function baseEnv(): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!/^(TODO_|AUTH_|NODE_EXTRA_CA_CERTS$|NODE_TEST|DATABASE_URL$|PORT$|HOST$|DATA_DIR$)/.test(name)) {
      env[name] = value;
    }
  }
  return env;
}

/** `node <args>` from the repository root, in the clean environment plus `env`. */
function start(args: string[], env: Record<string, string | undefined>): NodeProcess {
  return startNode(args, { cwd: ROOT, env: { ...baseEnv(), ...env } });
}

export interface System {
  issuer: string;
  apiUrl: string;
  /** The dev IdP's data directory (its keys; `daemon-cert.key.pem`; `ca.pem` in https mode). */
  idpDataDir: string;
  /** https mode: the CA the API and clients must trust. */
  caFile: string | undefined;
  /** Environment for the CLI: this system, client `todo-daemon` with its secret. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

export interface SystemOptions {
  https?: boolean;
  /** The API trusts the dev IdP's Entra-layout issuer, `<origin>/<tenant id>/v2.0`, not the origin. */
  entraLayout?: boolean;
  /** More environment for the API (e.g. `AUTH_DPOP`, `PUBLIC_URL`). */
  apiEnv?: Record<string, string>;
}

/** Starts the dev IdP, then the API trusting it, and waits until the API is ready. */
export async function startSystem(options: SystemOptions = {}): Promise<System> {
  const data = tempDir('todo-cli-e2e-');
  const idpDataDir = join(data.path, 'dev-idp');
  const idp = start(
    [IDP_CLI, '--port', '0', '--data-dir', idpDataDir, ...(options.https ? ['--https'] : [])],
    {
      NODE_ENV: 'development',
    },
  );
  let api: NodeProcess | undefined;
  const stop = async () => {
    await Promise.all([api?.stop(), idp.stop()]);
    data.remove();
  };
  try {
    let issuer = '';
    await waitUntilReady('the dev IdP', idp, async () => {
      issuer = /issuer (https?:\/\/\S+)/.exec(idp.output())?.[1] ?? '';
      return issuer !== '';
    });
    const caFile = options.https ? join(idpDataDir, 'ca.pem') : undefined;
    const port = await freePort();
    api = start([API_ENTRY], {
      PORT: String(port),
      HOST: '127.0.0.1',
      AUTH_ISSUER: options.entraLayout ? `${issuer}/${DEV_TENANT_ID}/v2.0` : issuer,
      DATA_DIR: data.path,
      LOG_LEVEL: 'warn',
      RATE_LIMIT: 'off',
      // Node reads this once at start-up: the API must be started with it to trust the IdP.
      NODE_EXTRA_CA_CERTS: caFile,
      ...options.apiEnv,
    });
    const apiUrl = `http://127.0.0.1:${port}`;
    const started = api;
    await waitUntilReady('the API to be ready', started, async () => (await fetch(`${apiUrl}/ready`)).ok);
    return {
      issuer,
      apiUrl,
      idpDataDir,
      caFile,
      env: {
        TODO_AUTHORITY: issuer,
        TODO_API_URL: apiUrl,
        TODO_CLIENT_ID: 'todo-daemon',
        TODO_CLIENT_SECRET: 'dev-daemon-secret',
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Working directory (a `.env` there is read); default: an empty temporary directory. */
  cwd?: string;
  /** Run `node <entry>` instead of the CLI's src/cli.ts (e.g. the package directory). */
  entry?: string;
}

let emptyCwd: string | undefined;

/** Runs the CLI as a child process with exactly `env` (plus PATH and the like) and waits for it. */
export async function runCli(
  args: string[],
  env: Record<string, string | undefined>,
  options: RunOptions = {},
): Promise<CliResult> {
  if (emptyCwd === undefined) {
    const dir = tempDir('todo-cli-cwd-');
    process.once('exit', () => dir.remove());
    emptyCwd = dir.path;
  }
  const child = spawn(process.execPath, [options.entry ?? CLI, ...args], {
    cwd: options.cwd ?? emptyCwd,
    env: { ...baseEnv(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const [code] = (await once(child, 'close')) as [number | null];
  return { code, stdout, stderr };
}
