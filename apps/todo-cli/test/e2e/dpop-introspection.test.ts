/**
 * DPoP-bound opaque tokens end to end (RFC 9449 §6.2): the CLI, as todo-daemon-opaque, gets an
 * opaque token bound to its DPoP key from the real dev IdP; the real API (AUTH_INTROSPECTION_*)
 * learns the binding (cnf.jkt) from the dev IdP's introspection endpoint and asks for the proof on
 * every request. The CLI reaches the API through a capturing proxy, so the test can steal what it sent.
 */
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { DEV_CLIENT_IDS, DEV_DAEMON_OPAQUE_SECRET, DEV_INTROSPECTION_SECRET } from 'gatehouse-dev-idp';
import { freePort } from 'gatehouse-test-support/ports';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { type CapturingProxy, startCapturingProxy } from '../helpers/capturing-proxy.ts';
import { ALICE, runCli, type System, startSystem } from '../helpers/system.ts';

let system: System;
let proxy: CapturingProxy;
let env: Record<string, string>;

before(async () => {
  const port = await freePort();
  const proxyUrl = `http://127.0.0.1:${port}`;
  system = await startSystem({
    apiEnv: {
      PUBLIC_URL: proxyUrl,
      AUTH_INTROSPECTION_CLIENT_ID: DEV_CLIENT_IDS.introspector,
      AUTH_INTROSPECTION_CLIENT_SECRET: DEV_INTROSPECTION_SECRET,
    },
  });
  proxy = await startCapturingProxy(system.apiUrl, port);
  env = {
    ...system.env,
    TODO_API_URL: proxyUrl,
    TODO_CLIENT_ID: DEV_CLIENT_IDS.daemonOpaque,
    TODO_CLIENT_SECRET: DEV_DAEMON_OPAQUE_SECRET,
  };
});
after(async () => {
  await proxy?.close();
  await system?.stop();
});

/** The token and proof the CLI sent on its last request, after `todo list --dpop` succeeded. */
async function captureDpopRequest(): Promise<{ path: string; token: string; proof: string }> {
  const result = await runCli(['list', '--json', '--dpop'], env);
  assert.equal(result.code, 0, result.stderr);
  const captured = proxy.last();
  assert.ok(captured);
  const token = captured.authorization.replace(/^DPoP /, '');
  assert.match(captured.authorization, /^DPoP [\w\-.~+/]+=*$/);
  assert.doesNotMatch(token, /\./, 'the dev IdP issues todo-daemon-opaque opaque tokens');
  return { path: captured.path, token, proof: captured.dpop };
}

async function refusal(response: Response): Promise<{ status: number; code: unknown; challenge: string }> {
  const body = (await response.json()) as { code?: unknown };
  return {
    status: response.status,
    code: body.code,
    challenge: response.headers.get('www-authenticate') ?? '',
  };
}

describe('a DPoP-bound opaque token from the dev IdP, introspected by the to-do API', () => {
  test('todo --dpop as todo-daemon-opaque adds and lists items', async () => {
    const added = await runCli(
      ['add', 'Rotate the introspection secret', '--owner', ALICE, '--json', '--dpop'],
      env,
    );
    assert.equal(added.code, 0, added.stderr);
    const { id } = JSON.parse(added.stdout) as { id: string };
    assert.match(proxy.last()?.authorization ?? '', /^DPoP [^.]+$/);
    const listed = await runCli(['list', '--json', '--dpop'], env);
    assert.equal(listed.code, 0, listed.stderr);
    assert.ok((JSON.parse(listed.stdout) as { id: string }[]).some((item) => item.id === id));
  });

  test('the same token sent as Bearer is refused: 401 ERR_DPOP_BOUND_TOKEN_AS_BEARER', async () => {
    const { path, token } = await captureDpopRequest();
    const asBearer = await refusal(
      await fetch(`${system.apiUrl}${path}`, { headers: { authorization: `Bearer ${token}` } }),
    );
    assert.equal(asBearer.status, 401);
    assert.equal(asBearer.code, 'ERR_DPOP_BOUND_TOKEN_AS_BEARER');
    // DPoP is allowed, not required: the Bearer challenge says why, the DPoP one how to succeed.
    assert.match(
      asBearer.challenge,
      /^Bearer realm="api", error="invalid_token", .*, DPoP realm="api", algs="/,
    );
  });

  test("a stolen token with the attacker's own valid proof is refused: 401 ERR_DPOP_BINDING", async () => {
    const { path, token } = await captureDpopRequest();
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const proof = await new SignJWT({
      jti: randomUUID(),
      htm: 'GET',
      htu: `${proxy.url}${new URL(path, proxy.url).pathname}`,
      iat: Math.floor(Date.now() / 1000),
      ath: createHash('sha256').update(token).digest('base64url'),
    })
      .setProtectedHeader({ typ: 'dpop+jwt', alg: 'ES256', jwk: await exportJWK(publicKey) })
      .sign(privateKey);
    const stolen = await refusal(
      await fetch(`${system.apiUrl}${path}`, { headers: { authorization: `DPoP ${token}`, dpop: proof } }),
    );
    assert.equal(stolen.status, 401);
    assert.equal(stolen.code, 'ERR_DPOP_BINDING');
    assert.match(stolen.challenge, /^DPoP .*error="invalid_token"/);
  });

  test("the CLI's proof replayed with its token is refused: 401 ERR_DPOP_PROOF_REPLAY", async () => {
    const { path, token, proof } = await captureDpopRequest();
    const replayed = await refusal(
      await fetch(`${system.apiUrl}${path}`, { headers: { authorization: `DPoP ${token}`, dpop: proof } }),
    );
    assert.equal(replayed.status, 401);
    assert.equal(replayed.code, 'ERR_DPOP_PROOF_REPLAY');
    assert.match(replayed.challenge, /error="invalid_dpop_proof"/);
  });

  test('without --dpop the opaque token is a Bearer token and works as before', async () => {
    const result = await runCli(['list', '--json'], env);
    assert.equal(result.code, 0, result.stderr);
    assert.match(proxy.last()?.authorization ?? '', /^Bearer [^.]+$/);
  });
});
