/**
 * STEP_UP_AUTH_CONTEXT=c1, the whole Entra claims challenge loop over HTTP against the real dev IdP
 * (Microsoft's "Claims challenges, claims requests and client capabilities"): a CAE-capable client
 * (cp1) is refused with a claims challenge, signs in again sending the decoded challenge as its
 * `claims` request, and the new token (acrs c1) deletes; a client without cp1 gets a plain 403.
 */
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { createGatehouse, type Gatehouse } from 'gatehouse-auth';
import { type DevIdp, getUserToken } from 'gatehouse-dev-idp';
import { startQuietDevIdp } from 'gatehouse-test-support/dev-idp';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { SqliteTodoStore } from '../src/store/sqlite.ts';

/** The payload of a JWT, read (not verified) to check what the dev IdP put in it. */
function payloadOf(token: string): Record<string, unknown> {
  const [, payload] = token.split('.');
  return JSON.parse(Buffer.from(payload ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
}

describe('claims challenge against the dev IdP (STEP_UP_AUTH_CONTEXT=c1)', () => {
  let idp: DevIdp;
  let app: FastifyInstance;
  let gatehouse: Gatehouse;
  let store: SqliteTodoStore;
  let origin: string;

  before(async () => {
    idp = await startQuietDevIdp();
    const config = loadConfig({
      AUTH_ISSUER: idp.issuer,
      DATABASE_URL: 'sqlite::memory:',
      RATE_LIMIT: 'off',
      STEP_UP_AUTH_CONTEXT: 'c1',
    });
    gatehouse = createGatehouse({ issuer: idp.issuer, audience: config.auth.audience });
    store = new SqliteTodoStore({ path: ':memory:' });
    app = await buildApp({ config, store, gatehouse });
    await app.listen({ port: 0, host: '127.0.0.1' });
    gatehouse.start();
    origin = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  });

  after(async () => {
    await app?.close();
    gatehouse?.close();
    await store?.close();
    await idp?.close();
  });

  const call = (method: string, path: string, token: string, body?: unknown) =>
    fetch(`${origin}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  async function created(token: string): Promise<string> {
    const res = await call('POST', '/api/todos', token, { text: 'sensitive' });
    assert.equal(res.status, 201, await res.clone().text());
    return ((await res.json()) as { id: string }).id;
  }

  it('cp1 without c1: 401 insufficient_claims; signing in with the decoded claims gets acrs c1 and deletes', async () => {
    const first = await getUserToken({ issuer: idp.issuer, user: 'alice', clientCapabilities: ['cp1'] });
    assert.deepEqual(payloadOf(first.accessToken).xms_cc, ['cp1']);
    assert.equal(payloadOf(first.accessToken).acrs, undefined);
    const id = await created(first.accessToken);

    const refused = await call('DELETE', `/api/todos/${id}`, first.accessToken);
    assert.equal(refused.status, 401, await refused.clone().text());
    const expected = Buffer.from('{"access_token":{"acrs":{"essential":true,"value":"c1"}}}').toString(
      'base64',
    );
    const header = refused.headers.get('www-authenticate') ?? '';
    assert.equal(
      header,
      `Bearer realm="api", error="insufficient_claims", claims="${expected}", ` +
        `resource_metadata="${origin}/.well-known/oauth-protected-resource"`,
    );

    // What MSAL does with the challenge: decode `claims` and send it with the capabilities.
    const encoded = /claims="([^"]+)"/.exec(header)?.[1] ?? '';
    const claims = Buffer.from(encoded, 'base64').toString('utf8');
    const second = await getUserToken({
      issuer: idp.issuer,
      user: 'alice',
      claims,
      clientCapabilities: ['cp1'],
    });
    assert.deepEqual(payloadOf(second.accessToken).acrs, ['c1']);
    assert.deepEqual(payloadOf(second.accessToken).xms_cc, ['cp1']);

    const deleted = await call('DELETE', `/api/todos/${id}`, second.accessToken);
    assert.equal(deleted.status, 204, await deleted.clone().text());
    assert.equal((await call('GET', `/api/todos/${id}`, second.accessToken)).status, 404);
  });

  it('a client without cp1 gets a plain 403, no claims challenge', async () => {
    const plain = await getUserToken({ issuer: idp.issuer, user: 'alice' });
    assert.equal(payloadOf(plain.accessToken).xms_cc, undefined);
    const id = await created(plain.accessToken);
    const refused = await call('DELETE', `/api/todos/${id}`, plain.accessToken);
    assert.equal(refused.status, 403, await refused.clone().text());
    assert.doesNotMatch(refused.headers.get('www-authenticate') ?? '', /insufficient_claims/);
    // Still there: the refusal deleted nothing.
    assert.equal((await call('GET', `/api/todos/${id}`, plain.accessToken)).status, 200);
  });
});
