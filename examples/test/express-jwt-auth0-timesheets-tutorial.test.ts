import assert from 'node:assert/strict';
import { request } from 'node:http';
import { before, describe, it } from 'node:test';
import { DEV_AUTH0, type DevIdp, getUserToken } from 'gatehouse-dev-idp';
import { call, type RunningServer, startIdp, startServer } from './helpers.ts';

/** A GET with a JSON body, as the tutorial's GET handler (which reads req.body) expects. */
function getWithBody(url: string, token: string | undefined, json: unknown) {
  const body = JSON.stringify(json);
  return new Promise<{
    status: number;
    headers: Record<string, string | string[] | undefined>;
    text: string;
  }>((resolve, reject) => {
    const req = request(url, {
      method: 'GET',
      headers: {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
    });
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk: string) => {
        text += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('Auth0’s timesheets server.js as the tutorial writes it (tutorial.cjs: only require lines and configuration changed)', () => {
  let idp: DevIdp;
  let api: RunningServer;
  const tokens: Record<string, string> = {};

  before(async () => {
    idp = await startIdp('auth0');
    const user = async (scope?: string) =>
      (await getUserToken({ issuer: idp.issuer, user: 'alice', ...(scope ? { scope } : {}) })).accessToken;
    [api, tokens.all, tokens.createOnly] = await Promise.all([
      startServer(
        'express-jwt-auth0-timesheets',
        {
          AUTH_ISSUER: idp.issuer.replace(/\/*$/, '/'),
          AUTH_AUDIENCE: DEV_AUTH0.audience,
          CORS_ORIGINS: 'http://localhost:5173',
        },
        'tutorial.cjs',
      ),
      user(),
      user('create:timesheets'),
    ]);
    // The first request waits for the issuer's keys (503 until then).
    await call(`${api.url}/timesheets`, { token: tokens.all! });
  });

  it('GET /timesheets with read:timesheets runs the handler, which reads req.user (the tutorial answers 201)', async () => {
    const res = await getWithBody(`${api.url}/timesheets`, tokens.all, { hours: 3 });
    assert.equal(res.status, 201, `${res.text}\n${api.output()}`);
    assert.deepEqual(JSON.parse(res.text), { hours: 3, user_id: 'alice@example.com' });
  });

  it('POST /timesheets with create:timesheets answers 201 with the entry', async () => {
    const res = await call(`${api.url}/timesheets`, {
      method: 'POST',
      token: tokens.all!,
      json: { hours: 5 },
    });
    assert.equal(res.status, 201);
    assert.deepEqual(await res.json(), { hours: 5 });
  });

  it('no token: 401 with a Bearer challenge; a bad token: 401 invalid_token', async () => {
    const none = await getWithBody(`${api.url}/timesheets`, undefined, {});
    assert.equal(none.status, 401);
    assert.equal(none.headers['www-authenticate'], 'Bearer realm="api"');
    assert.doesNotMatch(none.text, /\s+at\s|\.ts:\d+|\.js:\d+/);
    const bad = await getWithBody(`${api.url}/timesheets`, `${tokens.all}x`, {});
    assert.equal(bad.status, 401);
    assert.match(String(bad.headers['www-authenticate']), /error="invalid_token"/);
  });

  it('without read:timesheets: 403 "Insufficient scope" with an insufficient_scope challenge', async () => {
    const res = await getWithBody(`${api.url}/timesheets`, tokens.createOnly, {});
    assert.equal(res.status, 403);
    assert.equal(res.text, 'Insufficient scope');
    assert.match(
      String(res.headers['www-authenticate']),
      /error="insufficient_scope".*scope="read:timesheets"/,
    );
  });
});
