import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { makeTestApp, type TestApp } from './helpers/app.ts';

describe('security headers', () => {
  let t: TestApp;
  before(async () => {
    t = await makeTestApp();
  });
  after(() => t?.close());

  it('JSON answers, refusals included, allow nothing to load or frame them', async () => {
    for (const url of ['/health', '/openapi.json', '/api/todos', '/nowhere']) {
      const res = await t.app.inject(url);
      assert.equal(res.headers['content-security-policy'], "default-src 'none';frame-ancestors 'none'", url);
      assert.equal(res.headers['x-content-type-options'], 'nosniff', url);
      assert.equal(res.headers['x-frame-options'], 'DENY', url);
      assert.equal(res.headers['strict-transport-security'], 'max-age=31536000', url);
      assert.equal(res.headers['cross-origin-opener-policy'], 'same-origin', url);
    }
    assert.equal((await t.app.inject('/api/todos')).statusCode, 401);
  });

  it('the docs page may load its assets and reach the token endpoint, and keeps its popup', async () => {
    for (const url of ['/docs/', '/docs/static/swagger-initializer.js', '/docs/oauth2-redirect.html']) {
      const res = await t.app.inject(url);
      const csp = String(res.headers['content-security-policy']);
      assert.match(csp, /default-src 'self'/, url);
      assert.match(csp, /frame-ancestors 'none'/, url);
      assert.ok(csp.includes(`connect-src 'self' ${new URL(t.issuer.issuer).origin}`), `${url}: ${csp}`);
      assert.doesNotMatch(csp, /unsafe/, url);
      assert.equal(res.headers['cross-origin-opener-policy'], undefined, url);
      assert.equal(res.headers['x-content-type-options'], 'nosniff', url);
    }
  });
});
