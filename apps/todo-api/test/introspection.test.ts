// The to-do API with AUTH_INTROSPECTION_*: opaque tokens from the real dev IdP, validated at its
// RFC 7662 introspection endpoint, through the Fastify app; JWTs keep working as before.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { createGatehouse, type Gatehouse } from 'gatehouse-auth';
import {
  DEV_CLIENT_IDS,
  DEV_DAEMON_OPAQUE_SECRET,
  DEV_INTROSPECTION_SECRET,
  type DevIdp,
  getAppToken,
} from 'gatehouse-dev-idp';
import { startQuietDevIdp } from 'gatehouse-test-support/dev-idp';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { ConfigError } from '../src/config-error.ts';
import { SqliteTodoStore } from '../src/store/sqlite.ts';

describe('AUTH_INTROSPECTION_* configuration', () => {
  const base = { AUTH_ISSUER: 'http://127.0.0.1:3001' };
  const fails = (env: Record<string, string>, variable: string) =>
    assert.throws(
      () => loadConfig({ ...base, ...env }),
      (error: unknown) => error instanceof ConfigError && error.variable === variable,
    );

  it('becomes the issuer option; absent, nothing changes', () => {
    assert.equal(loadConfig(base).auth.introspection, undefined);
    assert.deepEqual(
      loadConfig({
        ...base,
        AUTH_INTROSPECTION_CLIENT_ID: 'todo-api',
        AUTH_INTROSPECTION_CLIENT_SECRET: 's',
        AUTH_INTROSPECTION_URL: 'https://idp.example/introspect',
      }).auth.introspection,
      { clientId: 'todo-api', clientSecret: 's', endpoint: 'https://idp.example/introspect' },
    );
  });

  it('needs the id and the secret together, and an https URL', () => {
    fails({ AUTH_INTROSPECTION_CLIENT_ID: 'todo-api' }, 'AUTH_INTROSPECTION_CLIENT_SECRET');
    fails({ AUTH_INTROSPECTION_CLIENT_SECRET: 'top-secret' }, 'AUTH_INTROSPECTION_CLIENT_ID');
    fails({ AUTH_INTROSPECTION_URL: 'https://idp.example/i' }, 'AUTH_INTROSPECTION_CLIENT_ID');
    fails(
      {
        AUTH_INTROSPECTION_CLIENT_ID: 'todo-api',
        AUTH_INTROSPECTION_CLIENT_SECRET: 'top-secret',
        AUTH_INTROSPECTION_URL: 'http://idp.example/i',
      },
      'AUTH_INTROSPECTION_URL',
    );
    try {
      loadConfig({ ...base, AUTH_INTROSPECTION_CLIENT_SECRET: 'top-secret' });
    } catch (error) {
      assert.ok(!String(error).includes('top-secret'), 'the secret is never in the message');
    }
  });
});

describe('opaque tokens through the Fastify to-do API (dev IdP)', () => {
  let idp: DevIdp;
  let app: FastifyInstance;
  let gatehouse: Gatehouse;
  let store: SqliteTodoStore;

  before(async () => {
    idp = await startQuietDevIdp();
    const config = loadConfig({
      AUTH_ISSUER: idp.issuer,
      DATABASE_URL: 'sqlite::memory:',
      RATE_LIMIT: 'off',
      AUTH_INTROSPECTION_CLIENT_ID: DEV_CLIENT_IDS.introspector,
      AUTH_INTROSPECTION_CLIENT_SECRET: DEV_INTROSPECTION_SECRET,
    });
    // As server.ts builds it from the configuration.
    gatehouse = createGatehouse({
      issuer: idp.issuer,
      audience: config.auth.audience,
      ...(config.auth.introspection ? { introspection: config.auth.introspection } : {}),
    });
    store = new SqliteTodoStore({ path: ':memory:' });
    app = await buildApp({ config, store, gatehouse });
    await app.ready();
    gatehouse.start();
  });

  after(async () => {
    await app?.close();
    gatehouse?.close();
    await store?.close();
    await idp?.close();
  });

  it('an opaque app token creates and lists items; a revoked one is 401', async () => {
    const { accessToken } = await getAppToken({
      issuer: idp.issuer,
      clientId: DEV_CLIENT_IDS.daemonOpaque,
      clientSecret: DEV_DAEMON_OPAQUE_SECRET,
    });
    assert.doesNotMatch(accessToken, /\./);
    const authorization = `Bearer ${accessToken}`;
    const created = await app.inject({
      method: 'POST',
      url: '/api/todos',
      headers: { authorization },
      payload: { text: 'opaque', owner: 'someone' },
    });
    assert.equal(created.statusCode, 201, created.body);
    const list = await app.inject({ method: 'GET', url: '/api/todos', headers: { authorization } });
    assert.equal(list.statusCode, 200);
    assert.ok((list.json() as { text: string }[]).some((item) => item.text === 'opaque'));

    const metadata = (await (await fetch(idp.metadataUrl)).json()) as { revocation_endpoint: string };
    const { accessToken: other } = await getAppToken({
      issuer: idp.issuer,
      clientId: DEV_CLIENT_IDS.daemonOpaque,
      clientSecret: DEV_DAEMON_OPAQUE_SECRET,
    });
    await fetch(metadata.revocation_endpoint, {
      method: 'POST',
      body: new URLSearchParams({
        token: other,
        client_id: DEV_CLIENT_IDS.daemonOpaque,
        client_secret: DEV_DAEMON_OPAQUE_SECRET,
      }),
    });
    const revoked = await app.inject({
      method: 'GET',
      url: '/api/todos',
      headers: { authorization: `Bearer ${other}` },
    });
    assert.equal(revoked.statusCode, 401);
    assert.match(String(revoked.headers['www-authenticate']), /error="invalid_token"/);
  });

  it('a JWT app token still works', async () => {
    const { accessToken } = await getAppToken({ issuer: idp.issuer });
    const list = await app.inject({
      method: 'GET',
      url: '/api/todos',
      headers: { authorization: `Bearer ${accessToken}` },
    });
    assert.equal(list.statusCode, 200);
  });
});
