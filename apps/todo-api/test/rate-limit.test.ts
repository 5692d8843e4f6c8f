import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { bearer, makeTestApp, type TestApp } from './helpers/app.ts';

describe('rate limiting', () => {
  let t: TestApp;
  before(async () => {
    t = await makeTestApp({ RATE_LIMIT: '3/60' });
  });
  after(() => t?.close());

  it('answers 429 + Retry-After + problem body once a caller spends its points', async () => {
    const token = await t.issuer.userToken('alice');
    for (let i = 0; i < 3; i++) {
      assert.equal((await t.app.inject({ url: '/api/todos', headers: bearer(token) })).statusCode, 200);
    }
    const res = await t.app.inject({ url: '/api/todos', headers: bearer(token) });
    assert.equal(res.statusCode, 429);
    assert.ok(Number(res.headers['retry-after']) >= 1);
    assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
    assert.equal(JSON.parse(res.body).status, 429);
  });

  it('counts each principal separately, whatever its IP', async () => {
    const bob = await t.issuer.userToken('bob');
    assert.equal((await t.app.inject({ url: '/api/todos', headers: bearer(bob) })).statusCode, 200);
  });

  it('counts anonymous calls per IP', async () => {
    const from = (ip: string) => t.app.inject({ url: '/openapi.json', remoteAddress: ip });
    for (let i = 0; i < 3; i++) assert.equal((await from('10.0.0.1')).statusCode, 200);
    assert.equal((await from('10.0.0.1')).statusCode, 429);
    assert.equal((await from('10.0.0.2')).statusCode, 200);
  });

  it('counts refused tokens per IP, so they cannot bypass the limit', async () => {
    const bad = (ip: string) =>
      t.app.inject({ url: '/api/todos', remoteAddress: ip, headers: bearer('garbage') });
    for (let i = 0; i < 4; i++) assert.equal((await bad('10.0.0.3')).statusCode, 401);
    assert.equal((await bad('10.0.0.3')).statusCode, 429);
  });

  it('never limits health probes', async () => {
    for (let i = 0; i < 10; i++)
      assert.equal((await t.app.inject({ url: '/health', remoteAddress: '10.0.0.9' })).statusCode, 200);
  });

  it('RATE_LIMIT=off disables it', async () => {
    const open = await makeTestApp({ RATE_LIMIT: 'off' });
    const token = await open.issuer.userToken('alice');
    for (let i = 0; i < 20; i++) {
      assert.equal((await open.app.inject({ url: '/api/todos', headers: bearer(token) })).statusCode, 200);
    }
    await open.close();
  });
});

describe('TRUST_PROXY as a hop count', () => {
  it('keys anonymous budgets by the address the trusted hop forwarded', async () => {
    const t = await makeTestApp({ RATE_LIMIT: '1/60', TRUST_PROXY: '1' });
    try {
      const call = (client: string) =>
        t.app.inject({ url: '/api/todos', headers: { 'x-forwarded-for': client } });
      assert.equal((await call('203.0.113.1')).statusCode, 401);
      assert.equal((await call('203.0.113.1')).statusCode, 429);
      assert.equal((await call('203.0.113.2')).statusCode, 401);
    } finally {
      await t.close();
    }
  });
});
