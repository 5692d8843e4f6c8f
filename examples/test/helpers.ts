import assert from 'node:assert/strict';
import { after } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { DevIdp, DevIdpOptions } from 'gatehouse-dev-idp';
import { startQuietDevIdp } from 'gatehouse-test-support/dev-idp';
import { freePort } from 'gatehouse-test-support/ports';
import { type NodeProcess, startNode, waitUntilReady } from 'gatehouse-test-support/processes';
import { tempDir as makeTempDir, type TempDir } from 'gatehouse-test-support/temp';

// Cleanup runs once the file's tests are done: servers first, then the IdP, then the directories.
const servers = new Set<NodeProcess>();
const idps: DevIdp[] = [];
const dirs: TempDir[] = [];
after(async () => {
  await Promise.all([...servers].map((server) => server.stop()));
  await Promise.all(idps.map((idp) => idp.close()));
  for (const dir of dirs) dir.remove();
});

/** A fresh directory, removed when the test file ends. */
export async function tempDir(prefix: string): Promise<string> {
  const dir = makeTempDir(prefix);
  dirs.push(dir);
  return dir.path;
}

/** A dev IdP speaking `profile`, on a free port, closed when the test file ends. */
export async function startIdp(profile: DevIdpOptions['profile']): Promise<DevIdp> {
  const idp = await startQuietDevIdp({ profile });
  idps.push(idp);
  return idp;
}

/** A metadata URL on a loopback port nothing listens on: the identity provider is down. */
export async function unreachableMetadataUrl(path: string): Promise<string> {
  return `http://127.0.0.1:${await freePort()}${path}`;
}

/**
 * A 503 while the identity provider is down: `Retry-After`, and a body without stack frames
 * (also as Express's escaped HTML), source paths or the metadata URL.
 */
export async function assertSafeUnavailable(response: Response, metadataUrl: string): Promise<void> {
  const body = await response.text();
  assert.equal(response.status, 503, body);
  assert.ok(Number(response.headers.get('retry-after')) >= 1, 'Retry-After');
  assert.doesNotMatch(body, /(?:\s|&nbsp;|>)at\s/);
  assert.doesNotMatch(body, /\.[cm]?[jt]s:\d+|node:internal|file:\/\//);
  assert.ok(!body.includes(new URL(metadataUrl).host), body);
  assert.doesNotMatch(body, /openid-configuration|ECONNREFUSED/);
}

export interface RunningServer extends NodeProcess {
  url: string;
}

/**
 * Runs `node examples/<name>/<file>` (`server.ts` unless told) with `env` (PORT chosen here) and
 * waits until it answers HTTP. Stopped (SIGTERM, SIGKILL after 2 s) when the test file ends.
 */
export async function startServer(
  name: string,
  env: Record<string, string>,
  file = 'server.ts',
): Promise<RunningServer> {
  const port = await freePort();
  const script = fileURLToPath(new URL(`../${name}/${file}`, import.meta.url));
  const server = startNode([script], {
    env: { ...process.env, NODE_ENV: 'development', LOG_LEVEL: 'warn', ...env, PORT: String(port) },
    graceMs: 2000,
  });
  servers.add(server);
  const url = `http://127.0.0.1:${port}`;
  await waitUntilReady(
    `${name} on ${url}`,
    server,
    async () => {
      await fetch(url);
      return true;
    },
    { timeoutMs: 10_000 },
  );
  return { ...server, url };
}

export interface CallOptions {
  method?: string;
  token?: string;
  json?: unknown;
  headers?: Record<string, string>;
}

/** One HTTP request; while the server is still loading the issuer's keys (503), it is retried. */
export async function call(url: string, options: CallOptions = {}): Promise<Response> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.json !== undefined) headers['content-type'] = 'application/json';
  const init: RequestInit = {
    method: options.method ?? 'GET',
    headers,
    ...(options.json !== undefined ? { body: JSON.stringify(options.json) } : {}),
  };
  for (let attempt = 0; ; attempt += 1) {
    const response = await fetch(url, init);
    if (response.status !== 503 || attempt >= 40) return response;
    await response.body?.cancel();
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
