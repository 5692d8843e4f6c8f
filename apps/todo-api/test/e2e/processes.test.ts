/** `npm start` with AUTH_ISSUER (the API alone), configuration errors, and `npm run token`. */
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type DevIdp, startDevIdp } from 'gatehouse-dev-idp';
import { freePortBlock } from 'gatehouse-test-support/ports';
import { tempDir } from 'gatehouse-test-support/temp';
import { http, run, waitForReady } from '../helpers/processes.ts';

const idpData = tempDir('todo-idp-');
let idp: DevIdp;
let idpPort: number;

before(async () => {
  idpPort = await freePortBlock();
  idp = await startDevIdp({
    port: idpPort,
    dataDir: idpData.path,
    logger: { info() {}, warn() {}, error() {} },
  });
});
after(async () => {
  await idp.close();
  idpData.remove();
});

describe('npm start with AUTH_ISSUER', () => {
  it('runs the API alone, writing nothing outside DATABASE_URL', async () => {
    const work = tempDir('todo-alone-');
    const port = await freePortBlock();
    const db = join(work.path, 'db', 'todos.db');
    const proc = run(['scripts/start.ts'], {
      PORT: String(port),
      AUTH_ISSUER: idp.issuer,
      DATABASE_URL: `sqlite:${db}`,
      DATA_DIR: join(work.path, 'unused'),
    });
    try {
      await waitForReady(proc, `http://127.0.0.1:${port}/ready`, 'the API');
      const token = await fetch(`${idp.url}/.well-known/openid-configuration`).then((r) => r.ok);
      assert.ok(token);
      // No dev IdP of its own on PORT+1, no web app on PORT+2.
      await assert.rejects(fetch(`http://127.0.0.1:${port + 1}/.well-known/openid-configuration`));
      await assert.rejects(fetch(`http://127.0.0.1:${port + 2}/`));
      const noToken = await http('GET', `http://127.0.0.1:${port}/api/todos`);
      assert.equal(noToken.status, 401);
      const took = await proc.stop();
      assert.ok(took < 5000, `stopped in ${took} ms`);
      assert.equal(proc.exitCode(), 0);
      assert.deepEqual(readdirSync(work.path), ['db']);
      assert.ok(readdirSync(join(work.path, 'db')).every((name) => name.startsWith('todos.db')));
      assert.equal(existsSync(join(work.path, 'unused')), false);
    } finally {
      proc.killGroup();
      work.remove();
    }
  });

  it('two copies run from one checkout on different ports and databases', async () => {
    const work = tempDir('todo-two-');
    const ports = [await freePortBlock(), await freePortBlock()];
    const procs = ports.map((port, i) =>
      run(['scripts/start.ts'], {
        PORT: String(port),
        AUTH_ISSUER: idp.issuer,
        DATABASE_URL: `sqlite:${join(work.path, `${i}.db`)}`,
      }),
    );
    try {
      for (const [i, port] of ports.entries()) {
        const proc = procs[i];
        assert.ok(proc);
        await waitForReady(proc, `http://127.0.0.1:${port}/ready`, `the API on ${port}`);
      }
      await Promise.all(procs.map((p) => p.stop()));
    } finally {
      for (const p of procs) p.killGroup();
      work.remove();
    }
  });
});

describe('configuration errors', () => {
  // [name, environment, expected line, also through npm start (slower: it loads the dev IdP too)]
  const cases: [string, Record<string, string>, RegExp, boolean][] = [
    ['PORT', { PORT: 'abc' }, /PORT/, true],
    ['RATE_LIMIT', { RATE_LIMIT: 'fast' }, /RATE_LIMIT/, false],
    [
      'DATABASE_URL postgres',
      { DATABASE_URL: 'postgres://u:secret@[oops/db' },
      /DATABASE_URL must be a valid postgres:\/\/(?!.*secret)/,
      true,
    ],
    ['AUTH_ISSUER', { AUTH_ISSUER: 'http://idp.example.com' }, /AUTH_ISSUER/, false],
    ['CORS_ORIGINS', { CORS_ORIGINS: '*' }, /CORS_ORIGINS/, false],
    ['LOG_LEVEL', { LOG_LEVEL: 'chatty' }, /LOG_LEVEL/, false],
    [
      'TLS_CERT (unreadable)',
      { TLS_CERT: '/nonexistent/api.pem', TLS_KEY: '/nonexistent/api.key.pem' },
      /invalid configuration: TLS_CERT cannot be read: \/nonexistent\/api\.pem \(ENOENT\)/,
      false,
    ],
    [
      'AUTH_MTLS_TRUSTED_PROXIES',
      { AUTH_MTLS_CERT_HEADER: 'X-Client-Cert', AUTH_MTLS_TRUSTED_PROXIES: 'proxy.internal' },
      /AUTH_MTLS_TRUSTED_PROXIES/,
      false,
    ],
  ];
  for (const [name, env, pattern, viaStart] of cases) {
    it(`a bad ${name} stops start-up with one line naming it, exit code 1`, async () => {
      const entries = ['apps/todo-api/src/server.ts', ...(viaStart ? ['scripts/start.ts'] : [])];
      for (const entry of entries) {
        const proc = run([entry], { AUTH_ISSUER: idp.issuer, ...env });
        const code = await proc.exited;
        const output = proc.output().trim();
        assert.equal(code, 1, `${entry}: ${output}`);
        assert.equal(output.split('\n').length, 1, `${entry}: one line, got:\n${output}`);
        assert.match(output, pattern);
        assert.doesNotMatch(output, /\n\s+at /);
      }
    });
  }

  it('the API refuses to start without an issuer', async () => {
    const proc = run(['apps/todo-api/src/server.ts'], {
      AUTH_ISSUER: undefined,
      AUTH_METADATA_URL: undefined,
    });
    assert.equal(await proc.exited, 1);
    assert.match(proc.output(), /AUTH_ISSUER/);
  });

  it('a port in use is one clear line', async () => {
    const proc = run(['apps/todo-api/src/server.ts'], {
      AUTH_ISSUER: idp.issuer,
      PORT: String(idpPort),
      DATABASE_URL: 'sqlite::memory:',
    });
    assert.equal(await proc.exited, 1);
    assert.match(proc.output().trim(), /^todo-api: PORT \d+ is already in use/);
  });
});

describe('npm run token', () => {
  const env = () => ({ PORT: String(idpPort - 1) });

  it('prints a user token alone on the last line', async () => {
    const proc = run(['scripts/token.ts', '--user', 'alice'], env());
    assert.equal(await proc.exited, 0, proc.output());
    const last = proc.output().trim().split('\n').at(-1) ?? '';
    assert.match(last, /^[\w-]+\.[\w-]+\.[\w-]+$/);
    const claims = JSON.parse(Buffer.from(last.split('.')[1] ?? '', 'base64url').toString());
    assert.deepEqual(claims.scp.split(' ').sort(), ['ToDoList.Read', 'ToDoList.ReadWrite']);
    assert.equal(claims.aud, 'api://todo');
  });

  it('honours --scope', async () => {
    const proc = run(['scripts/token.ts', '--user', 'bob', '--scope', 'ToDoList.Read'], env());
    assert.equal(await proc.exited, 0, proc.output());
    const last = proc.output().trim().split('\n').at(-1) ?? '';
    assert.equal(
      JSON.parse(Buffer.from(last.split('.')[1] ?? '', 'base64url').toString()).scp,
      'ToDoList.Read',
    );
  });

  it('prints an app token with both permissions', async () => {
    const proc = run(['scripts/token.ts', '--app'], { IDP_URL: idp.issuer });
    assert.equal(await proc.exited, 0, proc.output());
    const last = proc.output().trim().split('\n').at(-1) ?? '';
    const claims = JSON.parse(Buffer.from(last.split('.')[1] ?? '', 'base64url').toString());
    assert.deepEqual([...claims.roles].sort(), ['ToDoList.Read.All', 'ToDoList.ReadWrite.All']);
  });

  it('says clearly when no dev IdP is running', async () => {
    const port = await freePortBlock();
    const proc = run(['scripts/token.ts', '--user', 'alice'], { PORT: String(port) });
    assert.equal(await proc.exited, 1);
    const output = proc.output().trim();
    assert.equal(output.split('\n').length, 1, output);
    assert.match(output, /no dev IdP/);
  });

  it('refuses bad arguments', async () => {
    const proc = run(['scripts/token.ts'], env());
    assert.equal(await proc.exited, 1);
  });
});
