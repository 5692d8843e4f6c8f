/**
 * Issue 16's promise, tested as a user meets it: the tutorials' own code (test/packaging/tutorials/,
 * CommonJS, each file's header lists exactly which lines differ from its tutorial), installed in a
 * project in the OS temp directory that holds only the packed tarballs and the tutorials' other real
 * dependencies, run against the packed dev IdP in the tutorial's provider profile, on the lowest Node
 * the packages support and on the current one. Microsoft's two Azure AD B2C web API tutorials
 * (b2c-values, b2c-tasks: passport-azure-ad's BearerStrategy replaced by gatehouse-auth/passport);
 * Auth0's "Mobile + API" timesheets API (auth0-timesheets: express-jwt 6, jwks-rsa, express-jwt-authz
 * replaced by gatehouse-auth/express-jwt); Microsoft's MSAL Node daemon and web app tutorials
 * (msal-daemon, msal-webapp: real @azure/msal-node against the dev IdP in https mode) calling a
 * gatehouse-auth API.
 *
 * Dependency versions are the repository's (express 5, passport 0.7, restify 12, @azure/msal-node 7),
 * not the tutorials' (express 4, passport 0.3, restify 2 to 4): gatehouse-auth/passport needs passport
 * 0.6+ and restify 11+. b2c-tasks/server.cjs's header says what that costs its code.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { freePort } from 'gatehouse-test-support/ports';
import { nodeBinary, packAll, repoRange, run, type Started, scratchDir, startProcess } from './scratch.ts';

const LOWEST_NODE = '22.12.0';
const NODE_LINES = [LOWEST_NODE, 'current'] as const;
const TUTORIALS = join(import.meta.dirname, 'tutorials');

/** The tutorials' dependencies besides our tarballs: the repository's ranges where it has them. */
const FROM_REPO = ['express', 'passport', 'restify', '@azure/msal-node'];
const OTHERS: Record<string, string> = {
  morgan: '^1.10.0', // b2c-values
  bunyan: '^1.8.15', // b2c-tasks
  'assert-plus': '^1.0.0', // b2c-tasks
  'restify-errors': '^8.0.2', // b2c-tasks (restify.RestError's home since restify 5)
  cors: '^2.8.5', // auth0-timesheets
  'body-parser': '^2.2.0', // auth0-timesheets
};

interface DevIdpModule {
  getUserToken(options: {
    metadataUrl: string;
    user: string;
    scope?: string;
  }): Promise<{ accessToken: string }>;
  b2cQueryMetadataUrl(origin: string, policy: string): string;
  DEV_B2C: { tenantName: string; apiClientId: string; policies: readonly string[] };
  DEV_AUTH0: { audience: string };
  DEV_TENANT_ID: string;
  DEV_DAEMON_SECRET: string;
  DEV_READONLY_SECRET: string;
  DEV_WEBAPP_SECRET: string;
  WEBAPP_REDIRECT_URIS: readonly string[];
}

let dir = '';
let project = '';
let devIdp: DevIdpModule;

before(async () => {
  dir = scratchDir('gatehouse-tutorials-');
  const tarballs = join(dir, 'tarballs');
  mkdirSync(tarballs);
  const packed = await packAll(tarballs);
  project = join(dir, 'project');
  mkdirSync(project);
  const dependencies: Record<string, string> = { ...OTHERS };
  for (const p of packed) dependencies[p.name] = `file:${p.tarball}`;
  for (const name of FROM_REPO) dependencies[name] = repoRange(name);
  // No "type": the project is CommonJS, as the tutorials' projects are.
  writeFileSync(
    join(project, 'package.json'),
    `${JSON.stringify({ name: 'tutorials', private: true, dependencies }, null, 2)}\n`,
  );
  cpSync(TUTORIALS, project, { recursive: true });
  const installed = await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline'], {
    cwd: project,
  });
  assert.equal(installed.code, 0, `npm install failed:\n${installed.stderr}`);
  devIdp = (await import(
    pathToFileURL(join(project, 'node_modules/gatehouse-dev-idp/dist/index.js')).href
  )) as DevIdpModule;
});

after(() => {
  if (dir && !process.env.GATEHOUSE_KEEP_SCRATCH) rmSync(dir, { recursive: true, force: true });
});

/**
 * A tutorial's server, which prints nothing useful once listening: started with `node`, then polled
 * at `probe` until it answers HTTP. Recorded in `started` as soon as it is spawned.
 */
async function startPolled(
  node: string,
  script: string,
  env: NodeJS.ProcessEnv,
  probe: string,
  started: Started[],
): Promise<Started> {
  const child: ChildProcess = spawn(node, [script], { cwd: project, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk;
  });
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };
  const server: Started = { child, output: () => output, stop };
  started.push(server);
  for (let attempt = 0; attempt < 300; attempt += 1) {
    if (child.exitCode !== null) throw new Error(`${script} exited with ${child.exitCode}:\n${output}`);
    try {
      const response = await fetch(probe);
      await response.body?.cancel();
      return server;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  throw new Error(`${script} never answered on ${probe}:\n${output}`);
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/**
 * One request with node:http (fetch cannot send a GET with a body, which the timesheets tutorial's GET handler
 * reads). A 503 while a server still loads the issuer's keys is retried.
 */
async function send(
  url: string,
  options: { method?: string; token?: string; json?: unknown } = {},
): Promise<Answer> {
  const body = options.json === undefined ? undefined : JSON.stringify(options.json);
  const attemptOnce = () =>
    new Promise<Answer>((resolve, reject) => {
      const req = request(url, {
        method: options.method ?? 'GET',
        headers: {
          connection: 'close',
          ...(body === undefined
            ? {}
            : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }),
          ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
        },
      });
      req.on('response', (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
      });
      req.on('error', reject);
      req.end(body);
    });
  for (let attempt = 0; ; attempt += 1) {
    const answer = await attemptOnce();
    if (answer.status !== 503 || attempt >= 60) return answer;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function assertBearerChallenge(answer: Answer): void {
  assert.equal(answer.status, 401, answer.text);
  assert.match(String(answer.headers['www-authenticate']), /^Bearer\b/);
}

/** The claims of a token, read without verifying: only to compare with what the server saw. */
function claims(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<
    string,
    unknown
  >;
}

/** A script's one JSON line (it never prints a token). */
function outcome(result: { code: number | null; stdout: string; stderr: string }): Record<string, unknown> {
  const line = result.stdout.trim().split('\n').at(-1) ?? '';
  assert.ok(line.startsWith('{'), `no outcome:\n${result.stdout}\n${result.stderr}`);
  return JSON.parse(line) as Record<string, unknown>;
}

for (const line of NODE_LINES) {
  const version = line === 'current' ? process.versions.node : line;
  describe(`the tutorials' code on Node ${version}`, () => {
    let node = '';
    const started: Started[] = [];
    const urls: Record<string, string> = {};
    const tokens: Record<string, string> = {};
    let b2cOrigin = '';
    let msalEnv: NodeJS.ProcessEnv = {};

    before(async () => {
      node = line === 'current' ? process.execPath : await nodeBinary(line);
      assert.equal((await run(node, ['--version'], { cwd: project })).stdout.trim(), `v${version}`);
      const { DEV_B2C, DEV_AUTH0, DEV_TENANT_ID } = devIdp;

      // The three dev IdPs from the packed bin, each recorded once started (startProcess kills
      // its own child when start-up fails), then every server, recorded as it is spawned.
      const idp = async (name: string, args: string[]) => {
        const port = await freePort();
        const proc = await startProcess(
          node,
          [
            join(project, 'node_modules/.bin/gatehouse-dev-idp'),
            '--port',
            String(port),
            '--data-dir',
            join(dir, `idp-${name}-${line}`),
            ...args,
          ],
          { cwd: project, env: { ...process.env, NODE_ENV: 'development' }, ready: /dev-idp: issuer (\S+)/ },
        );
        started.push(proc);
        return /dev-idp: issuer (\S+)/.exec(proc.output())![1]!;
      };
      const idps = await Promise.allSettled([
        idp('b2c', ['--profile', 'b2c']),
        idp('auth0', ['--profile', 'auth0']),
        idp('entra', ['--https']),
      ]);
      for (const result of idps) if (result.status === 'rejected') throw result.reason;
      const [b2cIssuer, auth0Issuer, entraIssuer] = idps.map(
        (r) => (r as PromiseFulfilledResult<string>).value,
      );
      b2cOrigin = new URL(b2cIssuer!).origin;
      const auth0Origin = new URL(auth0Issuer!).origin;
      const caFile = join(dir, `idp-entra-${line}`, 'ca.pem');

      const [signUpSignIn, mfa] = DEV_B2C.policies;
      const b2cMetadata = devIdp.b2cQueryMetadataUrl(b2cOrigin, signUpSignIn!);
      const auth0Metadata = `${auth0Origin}/.well-known/openid-configuration`;
      const ports = Object.fromEntries(
        await Promise.all(
          ['values', 'valuesMfa', 'tasks', 'timesheets', 'todolist'].map(async (k) => [k, await freePort()]),
        ),
      ) as Record<string, number>;
      const env = (vars: Record<string, string | number>) => ({
        ...process.env,
        ...Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, String(v)])),
      });
      const b2c = { IDENTITY_METADATA: b2cMetadata, CLIENT_ID: DEV_B2C.apiClientId };
      const servers = await Promise.allSettled([
        startPolled(
          node,
          'b2c-values/app.cjs',
          env({ ...b2c, PORT: ports.values! }),
          `http://127.0.0.1:${ports.values}/`,
          started,
        ),
        startPolled(
          node,
          'b2c-values/app-authorization.cjs',
          env({ ...b2c, REQUIRED_POLICY: mfa!, PORT: ports.valuesMfa! }),
          `http://127.0.0.1:${ports.valuesMfa}/`,
          started,
        ),
        startPolled(
          node,
          'b2c-tasks/server.cjs',
          env({
            ...b2c,
            AUDIENCE: DEV_B2C.apiClientId,
            TENANT_NAME: `${DEV_B2C.tenantName}.onmicrosoft.com`,
            POLICY_NAME: signUpSignIn!,
            PORT: ports.tasks!,
          }),
          `http://127.0.0.1:${ports.tasks}/`,
          started,
        ),
        startPolled(
          node,
          'auth0-timesheets/server.cjs',
          env({ AUTH_ISSUER: `${auth0Origin}/`, AUTH_AUDIENCE: DEV_AUTH0.audience, PORT: ports.timesheets! }),
          `http://127.0.0.1:${ports.timesheets}/`,
          started,
        ),
        startPolled(
          node,
          'todolist-api.cjs',
          env({
            ISSUER: `${entraIssuer}/${DEV_TENANT_ID}/v2.0`,
            AUDIENCE: 'api://todo',
            NODE_EXTRA_CA_CERTS: caFile,
            PORT: ports.todolist!,
          }),
          `http://127.0.0.1:${ports.todolist}/`,
          started,
        ),
        // Tokens the way a signed-in user gets them: the dev IdP's login form, code + PKCE.
        (async () => {
          tokens.b2c = (await devIdp.getUserToken({ metadataUrl: b2cMetadata, user: 'alice' })).accessToken;
          tokens.b2cMfa = (
            await devIdp.getUserToken({
              metadataUrl: devIdp.b2cQueryMetadataUrl(b2cOrigin, mfa!),
              user: 'alice',
            })
          ).accessToken;
          tokens.auth0 = (
            await devIdp.getUserToken({ metadataUrl: auth0Metadata, user: 'alice' })
          ).accessToken;
          tokens.auth0CreateOnly = (
            await devIdp.getUserToken({
              metadataUrl: auth0Metadata,
              user: 'alice',
              scope: 'create:timesheets',
            })
          ).accessToken;
        })(),
      ]);
      for (const result of servers) if (result.status === 'rejected') throw result.reason;
      for (const [k, port] of Object.entries(ports)) urls[k] = `http://127.0.0.1:${port}`;
      msalEnv = {
        ...process.env,
        NODE_EXTRA_CA_CERTS: caFile,
        AUTHORITY: `${entraIssuer}/${DEV_TENANT_ID}`,
        API_URL: `${urls.todolist}/api/todolist`,
      };
    });

    after(async () => {
      await Promise.all(started.map((s) => s.stop()));
    });

    test('B2C values tutorial app.js (Express, passport BearerStrategy, B2C): GET /api/values is 401 + Bearer without a token, 200 ["Value1","Value2"] with a user flow token, 401 with "INVALID" added to it', async () => {
      const url = `${urls.values}/api/values`;
      assertBearerChallenge(await send(url));
      const ok = await send(url, { token: tokens.b2c! });
      assert.equal(ok.status, 200, ok.text);
      assert.deepEqual(JSON.parse(ok.text), ['Value1', 'Value2']);
      assert.equal(ok.headers['access-control-allow-origin'], '*', "the tutorial's CORS middleware ran");
      // The tutorial's own failure test: "add INVALID to the token value".
      const invalid = await send(url, { token: `${tokens.b2c}INVALID` });
      assertBearerChallenge(invalid);
      assert.match(String(invalid.headers['www-authenticate']), /error="invalid_token"/);
    });

    test("B2C values tutorial section 6 (req.authInfo's tfp checked): 200 with the required user flow's token, 403 insufficient permissions with another flow's", async () => {
      const url = `${urls.valuesMfa}/api/values`;
      assertBearerChallenge(await send(url));
      const ok = await send(url, { token: tokens.b2cMfa! });
      assert.equal(ok.status, 200, ok.text);
      assert.deepEqual(JSON.parse(ok.text), ['Value1', 'Value2']);
      assert.equal(claims(tokens.b2c!).tfp, 'B2C_1_signupsignin1');
      const forbidden = await send(url, { token: tokens.b2c! });
      assert.equal(forbidden.status, 403);
      assert.deepEqual(JSON.parse(forbidden.text), { error: 'insufficient permissions' });
    });

    test("B2C tasks tutorial server.js (Restify, passport BearerStrategy, B2C): the tutorial's curl POST gets 401 + Bearer; with a token tasks are created (201), listed, refused without Text (409)", async () => {
      const curl = await send(`${urls.tasks}/api/tasks/brandon/Hello`, { method: 'POST' });
      assertBearerChallenge(curl);
      const created = await send(`${urls.tasks}/api/tasks`, {
        method: 'POST',
        token: tokens.b2c!,
        json: { Text: 'Write the tests' },
      });
      assert.equal(created.status, 201, created.text);
      const task = JSON.parse(created.text) as { owner: string; Text: string };
      assert.equal(task.Text, 'Write the tests');
      assert.equal(task.owner, claims(tokens.b2c!).oid, "the verify callback's owner is the token's oid");
      const listed = await send(`${urls.tasks}/api/tasks`, { token: tokens.b2c! });
      assert.equal(listed.status, 200, listed.text);
      assert.deepEqual(
        (JSON.parse(listed.text) as { Text: string }[]).map((t) => t.Text),
        ['Write the tests'],
      );
      const missing = await send(`${urls.tasks}/api/tasks`, {
        method: 'POST',
        token: tokens.b2c!,
        json: {},
      });
      assert.equal(missing.status, 409, missing.text);
      assert.equal((JSON.parse(missing.text) as { code: string }).code, 'MissingTask');
    });

    test('B2C tasks tutorial: policyName is enforced: a token from another user flow (tfp B2C_1_mfa) is 401 invalid_token', async () => {
      const answer = await send(`${urls.tasks}/api/tasks`, { token: tokens.b2cMfa! });
      assertBearerChallenge(answer);
      assert.match(String(answer.headers['www-authenticate']), /error="invalid_token"/);
    });

    test("Auth0 timesheets tutorial server.js (Express, express-jwt 6 + jwks-rsa + express-jwt-authz, Auth0): GET /timesheets 201 with req.user's email, POST 201", async () => {
      const got = await send(`${urls.timesheets}/timesheets`, { token: tokens.auth0!, json: { hours: 3 } });
      assert.equal(got.status, 201, got.text);
      assert.deepEqual(JSON.parse(got.text), { hours: 3, user_id: 'alice@example.com' });
      const posted = await send(`${urls.timesheets}/timesheets`, {
        method: 'POST',
        token: tokens.auth0!,
        json: { hours: 5 },
      });
      assert.equal(posted.status, 201, posted.text);
      assert.deepEqual(JSON.parse(posted.text), { hours: 5 });
    });

    test('Auth0 timesheets tutorial: 401 + Bearer without a token; 403 insufficient_scope without read:timesheets', async () => {
      assertBearerChallenge(await send(`${urls.timesheets}/timesheets`, { json: {} }));
      const forbidden = await send(`${urls.timesheets}/timesheets`, {
        token: tokens.auth0CreateOnly!,
        json: {},
      });
      assert.equal(forbidden.status, 403, forbidden.text);
      assert.match(String(forbidden.headers['www-authenticate']), /error="insufficient_scope"/);
    });

    test("MSAL Node daemon tutorial (acquireTokenByClientCredential, https dev IdP): getToDos 200, postToDo 201; a read-only app's post is 403", async () => {
      const daemon = (clientId: string, secret: string, op: string) =>
        run(node, ['msal-daemon/index.cjs', '--op', op], {
          cwd: project,
          env: { ...msalEnv, CLIENT_ID: clientId, CLIENT_SECRET: secret, SCOPE: 'api://todo/.default' },
          timeoutMs: 30_000,
        });
      const [list, post, readOnly] = await Promise.all([
        daemon('todo-daemon', devIdp.DEV_DAEMON_SECRET, 'getToDos'),
        daemon('todo-daemon', devIdp.DEV_DAEMON_SECRET, 'postToDo'),
        daemon('todo-daemon-readonly', devIdp.DEV_READONLY_SECRET, 'postToDo'),
      ]);
      assert.deepEqual(
        [outcome(list).status, outcome(list).tokenType],
        [200, 'Bearer'],
        JSON.stringify(outcome(list)),
      );
      assert.ok(Array.isArray(JSON.parse(String(outcome(list).body))));
      assert.equal(outcome(post).status, 201, JSON.stringify(outcome(post)));
      assert.equal(outcome(readOnly).status, 403, JSON.stringify(outcome(readOnly)));
      assertBearerChallenge(await send(`${urls.todolist}/api/todolist`));
    });

    test('MSAL Node web app tutorial (getAuthCodeUrl, sign-in, acquireTokenByCode): alice calls the API (200); bob with ToDoList.Read only posts (403)', async () => {
      const webApp = (user: string, scopes: string, method: string) =>
        run(node, ['msal-webapp/webapp.cjs'], {
          cwd: project,
          env: {
            ...msalEnv,
            CLIENT_ID: 'todo-webapp',
            CLIENT_SECRET: devIdp.DEV_WEBAPP_SECRET,
            REDIRECT_URI: devIdp.WEBAPP_REDIRECT_URIS[0],
            SIGN_IN_USER: user,
            SCOPES: scopes,
            API_METHOD: method,
          },
          timeoutMs: 30_000,
        });
      const [alice, bob] = await Promise.all([
        webApp('alice', 'api://todo/ToDoList.Read api://todo/ToDoList.ReadWrite', 'GET'),
        webApp('bob', 'api://todo/ToDoList.Read', 'POST'),
      ]);
      const a = outcome(alice);
      assert.equal(a.status, 200, JSON.stringify(a));
      assert.equal(a.username, 'alice@example.com');
      assert.deepEqual(a.scopes, ['api://todo/ToDoList.Read', 'api://todo/ToDoList.ReadWrite']);
      const b = outcome(bob);
      assert.equal(b.username, 'bob@example.com', JSON.stringify(b));
      assert.deepEqual(b.scopes, ['api://todo/ToDoList.Read']);
      assert.equal(b.status, 403, JSON.stringify(b));
    });
  });
}
