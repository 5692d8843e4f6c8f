/**
 * Real processes for end-to-end tests: `node scripts/start.ts` (what `npm start` runs) on free
 * ports with its data in a temporary directory, and tokens from the dev IdP's real endpoints.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { getAppToken, getUserToken } from 'gatehouse-dev-idp';
import { freePortBlock } from 'gatehouse-test-support/ports';

export const ROOT = resolve(import.meta.dirname, '../../../..');

export interface RunningProcess {
  child: ChildProcess;
  output(): string;
  /** Resolves with the exit code (or signal name) once the process has exited. */
  exited: Promise<number | string>;
  /** Signals the whole process group; resolves with the milliseconds it took to exit. */
  stop(signal?: NodeJS.Signals): Promise<number>;
  /** True while any process of the group is alive. */
  groupAlive(): boolean;
  /** SIGKILL to the whole group (cleanup after a failed test). */
  killGroup(): void;
  exitCode(): number | null;
}

export function run(args: string[], env: Record<string, string | undefined>): RunningProcess {
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<number | string>((done) => {
    child.once('exit', (code, signal) => done(code ?? signal ?? 'unknown'));
  });
  const groupAlive = (): boolean => {
    try {
      process.kill(-(child.pid ?? 0), 0);
      return true;
    } catch {
      return false;
    }
  };
  return {
    child,
    output: () => output,
    exited,
    groupAlive,
    exitCode: () => child.exitCode,
    killGroup: () => {
      try {
        process.kill(-(child.pid ?? 0), 'SIGKILL');
      } catch {
        // already gone
      }
    },
    stop: async (signal = 'SIGTERM') => {
      const started = Date.now();
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
      while (groupAlive() && Date.now() - started < 10_000) await new Promise((r) => setTimeout(r, 20));
      return Date.now() - started;
    },
  };
}

/** Thrown by a readiness check to stop waiting at once. */
class ProcessExited extends Error {
  constructor(code: number | null) {
    super(`the process exited (code ${code}) before it was ready`);
  }
}

export async function waitUntil(
  check: () => Promise<boolean>,
  what: string,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ready = await check().catch((error: unknown) => {
      if (error instanceof ProcessExited) throw error;
      return false;
    });
    if (ready) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/**
 * Waits for `url` (a `/ready` endpoint) to answer 2xx. Fails at once, with the process's output,
 * if the process exits first; on timeout the output is in the error too. Start-up takes seconds on a
 * quiet machine, so the long default only matters on a loaded CI machine.
 */
export async function waitForReady(
  proc: RunningProcess,
  url: string,
  what: string,
  timeoutMs = 60_000,
): Promise<void> {
  try {
    await waitUntil(
      async () => {
        if (proc.exitCode() !== null) throw new ProcessExited(proc.exitCode());
        return (await fetch(url)).ok;
      },
      what,
      timeoutMs,
    );
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`${reason}\n--- its output ---\n${proc.output()}`);
  }
}

export interface DevSystem {
  port: number;
  api: string;
  issuer: string;
  process: RunningProcess;
  userToken(user: string, scope?: string): Promise<string>;
  appToken(): Promise<string>;
  stop(): Promise<number>;
}

/** Runs `node scripts/start.ts` (dev IdP + API) and waits until the API is ready. */
export async function startDevSystem(
  dataDir: string,
  env: Record<string, string> = {},
  port?: number,
): Promise<DevSystem> {
  const chosen = port ?? (await freePortBlock());
  const proc = run(['scripts/start.ts'], {
    PORT: String(chosen),
    DATA_DIR: dataDir,
    AUTH_ISSUER: undefined,
    ...env,
  });
  const api = `http://127.0.0.1:${chosen}`;
  const issuer = `http://localhost:${chosen + 1}`;
  try {
    await waitUntil(
      async () => {
        if (proc.child.exitCode !== null) throw new Error(`start.ts exited:\n${proc.output()}`);
        return (await fetch(`${api}/ready`)).ok && proc.output().includes('Try it');
      },
      'the dev system to be ready',
      60_000,
    );
  } catch (error) {
    await proc.stop('SIGKILL');
    throw new Error(`${error instanceof Error ? error.message : error}\n${proc.output()}`);
  }
  return {
    port: chosen,
    api,
    issuer,
    process: proc,
    userToken: async (user, scope) =>
      (await getUserToken({ issuer, user, ...(scope ? { scope } : {}) })).accessToken,
    appToken: async () => (await getAppToken({ issuer })).accessToken,
    stop: () => proc.stop('SIGTERM'),
  };
}

export interface Answer {
  status: number;
  headers: Headers;
  body: unknown;
  text: string;
}

export async function http(
  method: string,
  url: string,
  options: {
    token?: string;
    json?: unknown;
    body?: string;
    headers?: Record<string, string>;
    signal?: AbortSignal;
  } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let body: string | undefined = options.body;
  if (options.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.json);
  }
  const response = await fetch(url, {
    method,
    headers,
    ...(body === undefined ? {} : { body }),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: response.status, headers: response.headers, body: parsed, text };
}
