/**
 * `npm start`. With AUTH_ISSUER or AUTH_METADATA_URL set, runs the to-do API alone (this process
 * becomes the API: nothing else starts, nothing is written outside DATABASE_URL).
 *
 * Otherwise starts the whole development system on one laptop: the dev identity provider on
 * PORT+1 (in this process, state under DATA_DIR/dev-idp), the API on PORT as a child process
 * trusting it, and the web app on PORT+2 once it exists; then prints how to get a token.
 * SIGTERM/SIGINT stop everything within 5 s.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { get as httpsGet } from 'node:https';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { DevIdp } from 'gatehouse-dev-idp';
import { loadConfig } from 'gatehouse-todo-api/config';
import { ConfigError } from 'gatehouse-todo-api/config-error';

const ROOT = resolve(import.meta.dirname, '..');
const API_ENTRY = join(ROOT, 'apps/todo-api/src/server.ts');
/** The web app: started on PORT+2. */
const WEB_ENTRY = join(ROOT, 'apps/todo-web/src/server.ts');
const STOP_DEADLINE_MS = 4500;
const HEALTH_TIMEOUT_MS = 15_000;

function fail(message: string): never {
  process.stderr.write(`start: ${message}\n`);
  process.exit(1);
}

function errorMessage(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
}

/** Checks the environment the same way the API will, so a bad value stops here with one line. */
function checkEnvironment(): { port: number; host: string } {
  try {
    const config = loadConfig(process.env, { requireAuth: false });
    if (
      !process.env.AUTH_ISSUER &&
      !process.env.AUTH_METADATA_URL &&
      (config.port === 0 || config.port > 65533)
    ) {
      throw new ConfigError('PORT', 'must leave room for the dev IdP on PORT+1 and the web app on PORT+2');
    }
    return { port: config.port, host: config.host };
  } catch (error) {
    if (error instanceof ConfigError) fail(`invalid configuration: ${error.message}`);
    throw error;
  }
}

/** Where a browser or curl on this machine reaches a server bound to `host`. */
/** TLS_CERT (with TLS_KEY): the API serves https itself, for certificate-bound tokens (RFC 8705). */
const apiScheme = process.env.TLS_CERT?.trim() ? 'https' : 'http';

function reachable(host: string, port: number): string {
  const name = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  return `${apiScheme}://${name}:${port}`;
}

/** GET /health answers 2xx. Over https the certificate is not checked: this only asks whether our own child listens. */
function healthy(url: string): Promise<boolean> {
  if (!url.startsWith('https:'))
    return fetch(`${url}/health`, { signal: AbortSignal.timeout(1000) }).then((response) => response.ok);
  return new Promise((resolve, reject) => {
    httpsGet(`${url}/health`, { rejectUnauthorized: false, agent: false, timeout: 1000 }, (response) => {
      response.resume();
      resolve((response.statusCode ?? 0) >= 200 && (response.statusCode ?? 0) < 300);
    }).on('error', reject);
  });
}

async function waitForHealth(url: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + HEALTH_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error('the API exited during start-up');
    try {
      if (await healthy(url)) return;
    } catch {
      // not listening yet
    }
    await new Promise((done) => setTimeout(done, 100));
  }
  throw new Error(`the API did not answer ${url}/health within ${HEALTH_TIMEOUT_MS / 1000} s`);
}

function startChild(entry: string, env: NodeJS.ProcessEnv): ChildProcess {
  return spawn(process.execPath, [entry], { cwd: process.cwd(), env, stdio: 'inherit' });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((done) => child.once('exit', () => done()));
}

/** Where the dev IdP listens: loopback unless DEV_IDP_HOST says otherwise (startDevIdp then warns). */
function devIdpHostFromEnvironment(): string {
  const raw = process.env.DEV_IDP_HOST?.trim();
  if (!raw) return '127.0.0.1';
  if (!/^[A-Za-z0-9.:_-]+$/.test(raw) && !/^\[[0-9A-Fa-f:.]+\]$/.test(raw)) {
    fail(
      `invalid configuration: DEV_IDP_HOST must be a host name or IP address (got ${JSON.stringify(raw)})`,
    );
  }
  return raw;
}

async function runDevelopmentSystem(port: number, host: string): Promise<void> {
  const devIdpHost = devIdpHostFromEnvironment();
  const dataDir = process.env.DATA_DIR?.trim() || './data';
  const children: ChildProcess[] = [];
  let idp: DevIdp | undefined;
  let stopping = false;

  const stop = async (code: number): Promise<never> => {
    if (!stopping) {
      stopping = true;
      setTimeout(() => {
        for (const child of children) child.kill('SIGKILL');
        process.exit(code || 1);
      }, STOP_DEADLINE_MS).unref();
      for (const child of children) child.kill('SIGTERM');
      await Promise.all([...children.map(exited), idp?.close().catch(() => undefined)]);
      process.exit(code);
    }
    return new Promise<never>(() => {});
  };
  process.on('SIGTERM', () => void stop(0));
  process.on('SIGINT', () => void stop(0));

  try {
    // Loaded only here: running the API alone never loads the development IdP.
    const { startDevIdp } = await import('gatehouse-dev-idp');
    idp = await startDevIdp({
      port: port + 1,
      // Never HOST: exposing the API must not expose password-less sign-in with it.
      host: devIdpHost,
      dataDir: join(dataDir, 'dev-idp'),
      apiPort: port,
      webPort: port + 2,
      // DEV_IDP_HTTPS=1: an https issuer with a development CA (MSAL refuses plain http authorities).
      https: process.env.DEV_IDP_HTTPS === '1',
      logger: { info() {}, warn: (m) => console.warn(m), error: (m) => console.error(m) },
    });
  } catch (error) {
    fail(`the dev IdP cannot start on ${devIdpHost}:${port + 1}: ${errorMessage(error)}`);
  }

  const webOrigins = [`http://localhost:${port + 2}`, `http://127.0.0.1:${port + 2}`].join(',');
  // Children trust the dev IdP's own CA in https mode (NODE_EXTRA_CA_CERTS is read at process start).
  const trustIdp = idp.caFile ? { NODE_EXTRA_CA_CERTS: idp.caFile } : {};
  // The banner is what a new user reads: request logs start at warn unless LOG_LEVEL says otherwise.
  const logLevel = process.env.LOG_LEVEL ?? 'warn';
  const api = startChild(API_ENTRY, {
    ...process.env,
    LOG_LEVEL: logLevel,
    ...trustIdp,
    AUTH_ISSUER: idp.issuer,
    DATA_DIR: dataDir,
    CORS_ORIGINS: process.env.CORS_ORIGINS ?? webOrigins,
  });
  children.push(api);
  api.once('exit', (code) => {
    if (!stopping) {
      console.error(`start: the API exited (code ${code ?? 'signal'}); stopping`);
      void stop(code || 1);
    }
  });

  // The web app on PORT+2, signing in through the dev IdP. WEB_PORT is set too, so one left in the
  // user's shell cannot move the app off the port the IdP's redirect URI names.
  if (existsSync(WEB_ENTRY)) {
    const web = startChild(WEB_ENTRY, {
      ...process.env,
      PORT: String(port + 2),
      WEB_PORT: String(port + 2),
      LOG_LEVEL: logLevel,
      ...trustIdp,
      AUTH_ISSUER: idp.issuer,
      TODO_API_URL: reachable(host, port),
    });
    children.push(web);
  }

  const apiUrl = reachable(host, port);
  try {
    await waitForHealth(apiUrl, api);
  } catch (error) {
    console.error(`start: ${errorMessage(error)}`);
    await stop(1);
  }
  const portPrefix = process.env.PORT ? `PORT=${port} ` : '';
  console.log(
    [
      '',
      `  To-do API   ${apiUrl}/api/todos   (docs: ${apiUrl}/docs)`,
      `  Dev IdP     ${idp.issuer}   (users: alice, bob; development only)`,
      // localhost, not 127.0.0.1: the sign-in cookies are set for the host name the IdP redirects to.
      ...(children.length > 1
        ? [`  Web app     http://localhost:${port + 2}   (sign in as alice or bob)`]
        : []),
      '',
      '  Try it:',
      `  curl -s -H "Authorization: Bearer $(${portPrefix}npm run -s token -- --user alice | tail -1)" ${apiUrl}/api/todos`,
      '',
    ].join('\n'),
  );
}

async function main(): Promise<void> {
  const { port, host } = checkEnvironment();
  if (process.env.AUTH_ISSUER?.trim() || process.env.AUTH_METADATA_URL?.trim()) {
    // The API alone, in this very process: it reads the environment and handles the signals.
    await import(pathToFileURL(API_ENTRY).href);
    return;
  }
  await runDevelopmentSystem(port, host);
}

main().catch((error: unknown) => fail(errorMessage(error)));
