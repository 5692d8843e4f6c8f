import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { DEV_AUTH0, type DevIdp, getAppToken, getUserToken } from 'gatehouse-dev-idp';
import { call, type RunningServer, startIdp, startServer, tempDir } from './helpers.ts';

const SPA = 'http://localhost:5173';

interface Timesheet {
  id: number;
  user_id: string;
  [key: string]: unknown;
}

describe('Auth0’s timesheets API on Express + gatehouse-auth/express-jwt, Auth0', () => {
  let idp: DevIdp;
  let env: Record<string, string>;
  let api: RunningServer;
  const tokens: Record<string, string> = {};

  before(async () => {
    idp = await startIdp('auth0');
    env = {
      AUTH_ISSUER: idp.issuer,
      AUTH_AUDIENCE: DEV_AUTH0.audience,
      DATA_DIR: await tempDir('timesheets-'),
      CORS_ORIGINS: `${SPA}, https://timesheets.example.com`,
    };
    const user = async (name: string, scope?: string) =>
      (await getUserToken({ issuer: idp.issuer, user: name, ...(scope ? { scope } : {}) })).accessToken;
    [api, tokens.alice, tokens.bob, tokens.aliceReadOnly, tokens.aliceWriteOnly, tokens.app] =
      await Promise.all([
        startServer('express-jwt-auth0-timesheets', env),
        user('alice'),
        user('bob'),
        user('alice', 'read:timesheets'),
        user('alice', 'create:timesheets'),
        getAppToken({ issuer: idp.issuer }).then((token) => token.accessToken),
      ]);
  });

  const post = (token: string | undefined, json: unknown) =>
    call(`${api.url}/timesheets`, { method: 'POST', json, ...(token ? { token } : {}) });
  const list = async (token: string) => {
    const response = await call(`${api.url}/timesheets`, { token });
    assert.equal(response.status, 200, api.output());
    return (await response.json()) as Timesheet[];
  };

  it('POST /timesheets saves an entry for the user named by the namespaced email claim', async () => {
    const entry = { date: '2026-11-20', project: 'Gatehouse', hours: 6, user_id: 'mallory@example.com' };
    const response = await post(tokens.alice, entry);
    assert.equal(response.status, 201, api.output());
    const saved = (await response.json()) as Timesheet;
    // The claim decides, not what the client sent.
    assert.equal(saved.user_id, 'alice@example.com');
    assert.equal(saved.project, 'Gatehouse');
    assert.equal(saved.hours, 6);
    assert.equal(typeof saved.id, 'number');
  });

  it('GET /timesheets lists only the user’s own entries', async () => {
    assert.equal((await post(tokens.bob, { date: '2026-11-21', project: 'Bob’s', hours: 2 })).status, 201);
    assert.equal((await post(tokens.alice, { date: '2026-11-21', project: 'Docs', hours: 1 })).status, 201);
    const alice = await list(tokens.alice!);
    assert.ok(alice.length >= 2);
    assert.ok(alice.every((entry) => entry.user_id === 'alice@example.com'));
    assert.ok(!alice.some((entry) => entry.project === 'Bob’s'));
    const bob = await list(tokens.bob!);
    assert.deepEqual(
      bob.map((entry) => [entry.user_id, entry.project]),
      [['bob@example.com', 'Bob’s']],
    );
  });

  it('answers 401 with a Bearer challenge without a token or with a bad one', async () => {
    const none = await post(undefined, { hours: 1 });
    assert.equal(none.status, 401);
    assert.equal(none.headers.get('www-authenticate'), 'Bearer realm="api"');
    const bad = await call(`${api.url}/timesheets`, { token: `${tokens.alice}x` });
    assert.equal(bad.status, 401);
    assert.match(bad.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
  });

  it('answers 403 insufficient_scope without create:timesheets / read:timesheets', async () => {
    const write = await post(tokens.aliceReadOnly, { hours: 1 });
    assert.equal(write.status, 403);
    assert.match(write.headers.get('www-authenticate') ?? '', /error="insufficient_scope"/);
    assert.match(write.headers.get('www-authenticate') ?? '', /scope="create:timesheets"/);
    assert.ok(Array.isArray(await list(tokens.aliceReadOnly!)));

    const read = await call(`${api.url}/timesheets`, { token: tokens.aliceWriteOnly });
    assert.equal(read.status, 403);
    assert.match(read.headers.get('www-authenticate') ?? '', /scope="read:timesheets"/);
  });

  it('refuses an app token (no user email) with 403, and a body that is not one entry with 400', async () => {
    const app = await call(`${api.url}/timesheets`, { token: tokens.app });
    assert.equal(app.status, 403);
    assert.match(app.headers.get('www-authenticate') ?? '', /error="insufficient_scope"/);
    assert.equal((await post(tokens.alice, [{ hours: 1 }])).status, 400);
  });

  it('keeps the entries across a restart (SQLite under DATA_DIR)', async () => {
    const saved = await list(tokens.alice!);
    await api.stop();
    api = await startServer('express-jwt-auth0-timesheets', env);
    assert.deepEqual(await list(tokens.alice!), saved);
  });

  it('CORS: preflight and answers allowed for the configured origins only, never `*`', async () => {
    const preflight = (origin: string) =>
      fetch(`${api.url}/timesheets`, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization, content-type',
        },
      });
    const allowed = await preflight(SPA);
    assert.equal(allowed.status, 204);
    assert.equal(allowed.headers.get('access-control-allow-origin'), SPA);
    assert.match(allowed.headers.get('access-control-allow-headers') ?? '', /Authorization/);
    assert.match(allowed.headers.get('access-control-allow-methods') ?? '', /POST/);
    assert.match(allowed.headers.get('vary') ?? '', /Origin/);
    assert.equal(allowed.headers.get('access-control-allow-credentials'), null);

    const other = await preflight('https://evil.example.com');
    assert.equal(other.status, 403);
    assert.equal(other.headers.get('access-control-allow-origin'), null);

    // Answers, refusals included, are readable by the SPA and by it alone.
    const ok = await call(`${api.url}/timesheets`, { token: tokens.alice, headers: { origin: SPA } });
    assert.equal(ok.headers.get('access-control-allow-origin'), SPA);
    const refused = await call(`${api.url}/timesheets`, { headers: { origin: SPA } });
    assert.equal(refused.status, 401);
    assert.equal(refused.headers.get('access-control-allow-origin'), SPA);
    assert.equal(refused.headers.get('access-control-expose-headers'), 'WWW-Authenticate');
    const foreign = await call(`${api.url}/timesheets`, {
      token: tokens.alice,
      headers: { origin: 'https://evil.example.com' },
    });
    assert.equal(foreign.headers.get('access-control-allow-origin'), null);
  });
});
