import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { TestIssuer } from 'gatehouse-test-support/issuer';
import { freePort } from 'gatehouse-test-support/ports';

async function waitFor(url: string, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`example exited with ${child.exitCode}`);
    try {
      await fetch(url);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`${url} never answered`);
}

describe('the README examples run as written and protect their route', () => {
  let issuer: TestIssuer;
  before(async () => {
    issuer = await TestIssuer.start(['RS256']);
  });
  after(() => issuer.close());

  for (const name of ['fastify', 'express', 'node-http', 'web']) {
    it(`examples/${name}.ts: 200 with a scoped token, 401 without, 403 without the scope`, async () => {
      const port = await freePort();
      const child = spawn(
        process.execPath,
        [fileURLToPath(new URL(`../examples/${name}.ts`, import.meta.url))],
        {
          env: {
            ...process.env,
            AUTH_ISSUER: issuer.url,
            AUTH_AUDIENCE: issuer.audience,
            PORT: String(port),
          },
          stdio: 'ignore',
        },
      );
      try {
        const url = `http://127.0.0.1:${port}/hello`;
        await waitFor(url, child);
        const ok = await fetch(url, { headers: { authorization: `Bearer ${await issuer.sign()}` } });
        assert.equal(ok.status, 200);
        assert.deepEqual(await ok.json(), { hello: '00000000-0000-0000-0000-0000000000a1' });
        const none = await fetch(url);
        assert.equal(none.status, 401);
        assert.equal(none.headers.get('www-authenticate'), 'Bearer realm="api"');
        const scoped = await fetch(url, {
          headers: { authorization: `Bearer ${await issuer.sign({ scp: 'Other' })}` },
        });
        assert.equal(scoped.status, 403);
      } finally {
        child.kill('SIGKILL');
      }
    });
  }

  it('examples/fastify.ts: the route marked public answers without a token', async () => {
    const port = await freePort();
    const child = spawn(
      process.execPath,
      [fileURLToPath(new URL('../examples/fastify.ts', import.meta.url))],
      {
        env: { ...process.env, AUTH_ISSUER: issuer.url, AUTH_AUDIENCE: issuer.audience, PORT: String(port) },
        stdio: 'ignore',
      },
    );
    try {
      const url = `http://127.0.0.1:${port}/health`;
      await waitFor(url, child);
      const health = await fetch(url);
      assert.equal(health.status, 200);
      assert.deepEqual(await health.json(), { status: 'ok' });
    } finally {
      child.kill('SIGKILL');
    }
  });
});
