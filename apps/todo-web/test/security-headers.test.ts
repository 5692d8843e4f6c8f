/** Headers from @fastify/helmet and the app's own hook, beyond the landing-page checks in app.test.ts. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { testApp, WEB } from './helpers.ts';

describe('security headers', () => {
  it('on http: no HSTS (it would pin localhost to https), powerful features off, isolated window', async (t) => {
    const app = await testApp(t);
    const res = await app.inject({ url: '/', headers: { host: 'localhost:3002' } });
    assert.equal(res.headers['strict-transport-security'], undefined);
    assert.equal(res.headers['permissions-policy'], 'camera=(), microphone=(), geolocation=(), payment=()');
    assert.equal(res.headers['cross-origin-opener-policy'], 'same-origin');
    assert.equal(res.headers['cross-origin-resource-policy'], 'same-origin');
  });

  it('on https: HSTS for this host only', async (t) => {
    const app = await testApp(t, { env: { WEB_BASE_URL: 'https://todo.example.com' } });
    const res = await app.inject({ url: '/', headers: { host: 'todo.example.com' } });
    assert.equal(res.headers['strict-transport-security'], 'max-age=31536000');
  });

  it('redirects to the base URL carry the headers too', async (t) => {
    const app = await testApp(t);
    const moved = await app.inject({ url: '/todos', headers: { host: '127.0.0.1:3002' } });
    assert.equal(moved.statusCode, 308);
    assert.equal(moved.headers.location, `${WEB}/todos`);
    assert.equal(moved.headers['x-frame-options'], 'DENY');
    assert.match(String(moved.headers['content-security-policy']), /frame-ancestors 'none'/);
  });
});
