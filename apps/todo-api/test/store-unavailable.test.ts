/**
 * The app over a PostgreSQL store whose database is cut off by a TCP proxy: requests that need
 * the database answer 503 + Retry-After at once (never a 500, never a hang), /ready is 503,
 * /health stays 200, and everything works again as soon as the database is back.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PostgresTodoStore } from '../src/store/postgres.ts';
import { bearer, makeTestApp, type TestApp } from './helpers/app.ts';
import { createTestSchema, postgresTarget, type TestSchema } from './helpers/services.ts';
import { startTcpProxy, type TcpProxy } from './helpers/tcp-proxy.ts';

describe('database unavailable', () => {
  let schema: TestSchema;
  let proxy: TcpProxy;
  let t: TestApp;
  before(async () => {
    schema = await createTestSchema();
    proxy = await startTcpProxy(postgresTarget());
    t = await makeTestApp({}, { store: new PostgresTodoStore({ connectionString: schema.via(proxy.port) }) });
  });
  after(async () => {
    await t?.close();
    await proxy?.close();
    await schema?.drop();
  });

  it('answers 503 + Retry-After with a problem body, /ready 503, /health 200; then recovers', async () => {
    const token = await t.issuer.userToken('alice');
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/todos',
      headers: bearer(token),
      payload: { text: 'kept' },
    });
    assert.equal(created.statusCode, 201);
    const id = JSON.parse(created.body).id as string;

    proxy.pause('cut');
    const requests = [
      { method: 'GET' as const, url: '/api/todos' },
      { method: 'GET' as const, url: `/api/todos/${id}` },
      { method: 'POST' as const, url: '/api/todos', payload: { text: 'lost?' } },
      { method: 'PATCH' as const, url: `/api/todos/${id}`, payload: { completed: true } },
      { method: 'DELETE' as const, url: `/api/todos/${id}` },
    ];
    for (const request of requests) {
      const started = performance.now();
      const res = await t.app.inject({ ...request, headers: bearer(token) });
      const ms = performance.now() - started;
      assert.equal(res.statusCode, 503, `${request.method} ${request.url}: ${res.body}`);
      assert.ok(Number(res.headers['retry-after']) >= 1);
      assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
      assert.equal(JSON.parse(res.body).code, 'ERR_STORE_UNAVAILABLE');
      assert.ok(ms < 1000, `${request.method} answered in ${Math.round(ms)} ms`);
    }
    const ready = await t.app.inject('/ready');
    assert.equal(ready.statusCode, 503);
    assert.equal(JSON.parse(ready.body).checks.store.ok, false);
    assert.equal((await t.app.inject('/health')).statusCode, 200);

    proxy.resume();
    assert.equal((await t.app.inject('/ready')).statusCode, 200);
    const read = await t.app.inject({ url: `/api/todos/${id}`, headers: bearer(token) });
    assert.equal(read.statusCode, 200);
    assert.equal(JSON.parse(read.body).completed, false, 'the refused PATCH changed nothing');
  });
});
