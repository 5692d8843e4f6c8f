/**
 * RFC 9728 §5.1: the to-do API's refusals name its protected-resource metadata document, at the
 * URL it serves the document at, so a client with no usable token can find the issuer to ask.
 */
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { bearer, makeTestApp, type TestApp } from './helpers/app.ts';

describe('resource_metadata in the to-do API challenges', () => {
  let t: TestApp;
  let base: string;
  before(async () => {
    t = await makeTestApp();
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  });
  after(() => t?.close());

  it('a request without a token: 401 naming the metadata document, which names the issuer', async () => {
    const res = await fetch(`${base}/api/todos`);
    assert.equal(res.status, 401);
    const metadataUrl = `${base}/.well-known/oauth-protected-resource`;
    assert.equal(
      res.headers.get('www-authenticate'),
      `Bearer realm="api", resource_metadata="${metadataUrl}"`,
    );
    const metadata = (await (await fetch(metadataUrl)).json()) as { authorization_servers: string[] };
    assert.deepEqual(metadata.authorization_servers, [t.issuer.issuer]);
  });

  it('an invalid token and a missing scope carry it too', async () => {
    const rm = `resource_metadata="${base}/.well-known/oauth-protected-resource"`;
    const invalid = await fetch(`${base}/api/todos`, { headers: bearer('not-a-token') });
    assert.equal(invalid.status, 401);
    const invalidChallenge = invalid.headers.get('www-authenticate') ?? '';
    assert.ok(invalidChallenge.startsWith('Bearer realm="api", error="invalid_token"'), invalidChallenge);
    assert.ok(invalidChallenge.endsWith(`, ${rm}`), invalidChallenge);
    const readOnly = await t.issuer.userToken('alice', 'ToDoList.Read');
    const forbidden = await fetch(`${base}/api/todos`, {
      method: 'POST',
      headers: { ...bearer(readOnly), 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'x' }),
    });
    assert.equal(forbidden.status, 403);
    const challenge = forbidden.headers.get('www-authenticate') ?? '';
    assert.ok(challenge.startsWith('Bearer realm="api", error="insufficient_scope"'), challenge);
    assert.ok(challenge.endsWith(`, ${rm}`), challenge);
  });

  it('with PUBLIC_URL, the URL clients reach the API at', async () => {
    const behind = await makeTestApp({ PUBLIC_URL: 'https://todo.example.com' }, { issuer: t.issuer });
    try {
      const res = await behind.app.inject('/api/todos');
      assert.equal(
        res.headers['www-authenticate'],
        'Bearer realm="api", resource_metadata="https://todo.example.com/.well-known/oauth-protected-resource"',
      );
    } finally {
      await behind.close();
    }
  });

  it('a Host header cannot break out of the quoted URL', async () => {
    const res = await t.app.inject({ url: '/api/todos', headers: { host: 'evil"x\\y' } });
    assert.equal(res.statusCode, 401);
    const value = String(res.headers['www-authenticate']);
    assert.match(value, /^Bearer realm="api", resource_metadata="(?:[^"\\]|\\.)*"$/);
  });
});
