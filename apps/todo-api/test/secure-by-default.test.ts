/**
 * With the Gatehouse plugin every route needs a token unless it says otherwise: the API opens
 * exactly its probes, documents and metadata, and says so once at start-up.
 */
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { createLogger } from '../src/logger.ts';
import { bearer, makeTestApp, type TestApp } from './helpers/app.ts';

describe('to-do API: secure by default over real HTTP', () => {
  let t: TestApp;
  let url: string;
  const lines: Array<Record<string, unknown>> = [];

  before(async () => {
    const sink = new Writable({
      write(chunk, _encoding, done) {
        for (const line of String(chunk).split('\n')) if (line.trim()) lines.push(JSON.parse(line));
        done();
      },
    });
    t = await makeTestApp({}, { logger: createLogger('info', sink) });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    url = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  });
  after(() => t?.close());

  it('the probes, the OpenAPI document, the docs page and RFC 9728 metadata need no token', async () => {
    for (const path of [
      '/health',
      '/ready',
      '/openapi.json',
      '/docs',
      '/docs/static/index.html',
      '/docs/json',
      '/docs/oauth2-redirect.html',
      '/.well-known/oauth-protected-resource',
    ]) {
      const res = await fetch(`${url}${path}`, { redirect: 'manual' });
      assert.ok(res.status < 400, `${path}: ${res.status}`);
      assert.equal(res.headers.get('www-authenticate'), null, path);
    }
  });

  it('the to-do routes still need a token, and a token without scopes or app permissions is 403', async () => {
    assert.equal((await fetch(`${url}/api/todos`)).status, 401);
    const scopeless = await t.issuer.userToken('alice', '');
    const res = await fetch(`${url}/api/todos`, { headers: bearer(scopeless) });
    assert.equal(res.status, 403);
    assert.match(res.headers.get('www-authenticate') ?? '', /error="insufficient_scope"/);
  });

  it('an unknown path is 404, not 401', async () => {
    assert.equal((await fetch(`${url}/nothing-here`)).status, 404);
  });

  it('the public routes are logged once at start-up, and nothing else is public', async () => {
    const logged = lines.filter((line) => Array.isArray(line.publicRoutes));
    assert.equal(logged.length, 1, JSON.stringify(lines));
    const routes = logged[0]!.publicRoutes as string[];
    assert.ok(
      routes.every((r) => /^(GET|HEAD)(,(GET|HEAD))* /.test(r)),
      'only reads are public',
    );
    const paths = [...new Set(routes.map((r) => r.replace(/^\S+ /, '')))].sort();
    assert.deepEqual(paths, [
      '/.well-known/oauth-protected-resource',
      '/docs',
      '/docs/',
      '/docs/json',
      '/docs/oauth2-redirect.html',
      '/docs/static/*',
      '/docs/static/index.html',
      '/docs/static/swagger-initializer.js',
      '/docs/static/theme/oauth2-redirect-url.js',
      '/docs/yaml',
      '/health',
      '/openapi.json',
      '/ready',
    ]);
  });
});
