import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { createLogger } from '../src/logger.ts';
import { bearer, makeTestApp, type TestApp, waitFor } from './helpers/app.ts';

describe('before signing keys are loaded', () => {
  let t: TestApp;
  before(async () => {
    t = await makeTestApp({}, { issuerDown: true });
  });
  after(() => t?.close());

  it('/health is 200', async () => {
    const res = await t.app.inject('/health');
    assert.equal(res.statusCode, 200);
  });

  it('/ready is 503 with details', async () => {
    const res = await t.app.inject('/ready');
    assert.equal(res.statusCode, 503);
    const body = JSON.parse(res.body);
    assert.equal(body.status, 503);
    assert.equal(body.checks.store.ok, true);
    assert.equal(body.checks.keys.ok, false);
  });

  it('protected routes are 503 + Retry-After, not 401', async () => {
    const token = await t.issuer.userToken('alice');
    const res = await t.app.inject({ url: '/api/todos', headers: bearer(token) });
    assert.equal(res.statusCode, 503);
    assert.ok(Number(res.headers['retry-after']) > 0);
    assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
  });

  it('the OpenAPI document falls back to OpenID Connect discovery', async () => {
    const doc = JSON.parse((await t.app.inject('/openapi.json')).body);
    assert.equal(doc.components.securitySchemes.oauth2.type, 'openIdConnect');
    assert.equal(
      doc.components.securitySchemes.oauth2.openIdConnectUrl,
      `${t.issuer.issuer}/.well-known/openid-configuration`,
    );
  });
});

describe('once serving', () => {
  let t: TestApp;
  before(async () => {
    t = await makeTestApp({ CORS_ORIGINS: 'http://localhost:3002' });
  });
  after(() => t?.close());

  it('/ready is 200 when the store answers and keys are loaded', async () => {
    const res = await t.app.inject('/ready');
    assert.equal(res.statusCode, 200);
    assert.equal(JSON.parse(res.body).status, 'ready');
  });

  it('/ready is 503 when the store stops answering', async () => {
    const broken = await makeTestApp();
    await broken.store.close();
    const res = await broken.app.inject('/ready');
    assert.equal(res.statusCode, 503);
    assert.equal(JSON.parse(res.body).checks.store.ok, false);
    assert.equal((await broken.app.inject('/health')).statusCode, 200);
    await broken.close();
  });

  it('serves OpenAPI 3 with the OAuth2 authorization code flow', async () => {
    const res = await t.app.inject('/openapi.json');
    assert.equal(res.statusCode, 200);
    const doc = JSON.parse(res.body);
    assert.match(doc.openapi, /^3\./);
    const flow = doc.components.securitySchemes.oauth2.flows.authorizationCode;
    assert.equal(flow.authorizationUrl, `${t.issuer.issuer}/auth`);
    assert.equal(flow.tokenUrl, `${t.issuer.issuer}/token`);
    assert.deepEqual(Object.keys(flow.scopes), ['ToDoList.Read', 'ToDoList.ReadWrite']);
    assert.deepEqual(Object.keys(doc.paths['/api/todos']).sort(), ['get', 'post']);
    assert.deepEqual(Object.keys(doc.paths['/api/todos/{id}']).sort(), ['delete', 'get', 'patch']);
    assert.deepEqual(doc.paths['/api/todos'].get.security, [{ oauth2: [] }]);
    assert.ok(doc.components.schemas.Todo);
  });

  it('serves the docs page with PKCE sign-in as todo-docs', async () => {
    const page = await t.app.inject('/docs');
    assert.ok(page.statusCode === 200 || page.statusCode === 302, String(page.statusCode));
    const init = await t.app.inject('/docs/static/swagger-initializer.js');
    assert.equal(init.statusCode, 200);
    assert.match(init.body, /"clientId":\s*"todo-docs"/);
    assert.match(init.body, /"usePkceWithAuthorizationCodeGrant":\s*true/);
    const index = await t.app.inject('/docs/');
    assert.match(index.body, /theme\/oauth2-redirect-url\.js/);
    const redirect = await t.app.inject('/docs/oauth2-redirect.html?code=abc&state=xyz');
    assert.equal(redirect.statusCode, 302);
    assert.equal(redirect.headers.location, '/docs/static/oauth2-redirect.html?code=abc&state=xyz');
    const spec = JSON.parse((await t.app.inject('/docs/json')).body);
    assert.equal(spec.components.securitySchemes.oauth2.type, 'oauth2');
  });

  it('describes itself as an RFC 9728 protected resource', async () => {
    const res = await t.app.inject({
      url: '/.well-known/oauth-protected-resource',
      headers: { host: '127.0.0.1:3000' },
    });
    assert.equal(res.statusCode, 200);
    const body = JSON.parse(res.body);
    assert.equal(body.resource, 'http://127.0.0.1:3000');
    assert.deepEqual(body.authorization_servers, [t.issuer.issuer]);
    assert.deepEqual(body.scopes_supported, ['ToDoList.Read', 'ToDoList.ReadWrite']);
    assert.deepEqual(body.bearer_methods_supported, ['header']);
    assert.equal(body.resource_documentation, 'http://127.0.0.1:3000/docs');
  });

  it('names no sender constraint by default: AUTH_DPOP=allowed answers Bearer clients as RFC 6750 does', async () => {
    const res = await t.app.inject({ url: '/.well-known/oauth-protected-resource' });
    const body = JSON.parse(res.body);
    assert.equal(body.dpop_signing_alg_values_supported, undefined);
    assert.equal(body.dpop_bound_access_tokens_required, undefined);
    assert.equal(body.tls_client_certificate_bound_access_tokens, undefined);
  });

  it('with AUTH_DPOP=required and certificates forwarded by a proxy, says both (RFC 9728 §2)', async () => {
    const strict = await makeTestApp({ AUTH_DPOP: 'required', AUTH_MTLS_CERT_HEADER: 'X-Client-Cert' });
    try {
      const res = await strict.app.inject({ url: '/.well-known/oauth-protected-resource' });
      const body = JSON.parse(res.body);
      assert.equal(body.dpop_bound_access_tokens_required, true);
      assert.ok(Array.isArray(body.dpop_signing_alg_values_supported));
      assert.ok(body.dpop_signing_alg_values_supported.includes('ES256'));
      assert.equal(body.tls_client_certificate_bound_access_tokens, true);
    } finally {
      await strict.close();
    }
  });

  it('allows only listed CORS origins, never * with credentials', async () => {
    const allowed = await t.app.inject({
      method: 'OPTIONS',
      url: '/api/todos',
      headers: {
        origin: 'http://localhost:3002',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type',
      },
    });
    assert.equal(allowed.statusCode, 204);
    assert.equal(allowed.headers['access-control-allow-origin'], 'http://localhost:3002');
    assert.notEqual(allowed.headers['access-control-allow-credentials'], 'true');
    const refused = await t.app.inject({ url: '/health', headers: { origin: 'https://evil.example.com' } });
    assert.equal(refused.headers['access-control-allow-origin'], undefined);
    const token = await t.issuer.userToken('alice');
    const simple = await t.app.inject({
      url: '/api/todos',
      headers: { ...bearer(token), origin: 'http://localhost:3002' },
    });
    assert.equal(simple.headers['access-control-allow-origin'], 'http://localhost:3002');
    assert.match(String(simple.headers['access-control-expose-headers']), /Link/);
    // DPoP (RFC 9449) from a browser: the proof may be sent, and each next nonce read (§8.2).
    assert.match(String(simple.headers['access-control-expose-headers']), /(^|, ?)DPoP-Nonce(,|$)/);
    assert.match(String(allowed.headers['access-control-allow-headers']), /(^|, ?)DPoP(,|$)/);
  });
});

describe('/ready leaks no internal error text', () => {
  it('answers generic reasons to an unauthenticated caller and logs the detail', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const t = await makeTestApp({}, { issuerDown: true, logger: createLogger('info', sink) });
    try {
      await waitFor(() => t.gatehouse.status().lastError !== undefined);
      await t.store.close();
      await t.app.listen({ port: 0, host: '127.0.0.1' });
      const address = t.app.server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      const res = await fetch(`http://127.0.0.1:${port}/ready`);
      const text = await res.text();
      assert.equal(res.status, 503);
      const issuerPort = new URL(t.issuer.issuer).port;
      for (const leak of [
        issuerPort,
        '127.0.0.1',
        'well-known',
        'ECONNREFUSED',
        'fetch failed',
        'database',
      ]) {
        assert.ok(!text.includes(leak), `/ready shows ${leak}: ${text}`);
      }
      const body = JSON.parse(text);
      assert.equal(body.checks.store.ok, false);
      assert.equal(body.checks.keys.ok, false);
      assert.equal(typeof body.checks.keys.reason, 'string');
      const log = lines.join('');
      assert.match(log, /not ready/);
      assert.ok(log.includes(issuerPort), 'the log keeps the detail');
    } finally {
      await t.close();
    }
  });
});
