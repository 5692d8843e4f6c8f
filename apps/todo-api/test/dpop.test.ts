/**
 * DPoP (RFC 9449) in the API: AUTH_DPOP modes, and two instances sharing Redis for proof `jti`s,
 * so a proof replayed to the other instance is refused; a Redis that does not answer fails closed.
 */
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT } from 'jose';
import { loadConfig } from '../src/config.ts';
import { createRedisReplay } from '../src/dpop.ts';
import { makeTestApp, type TestApp } from './helpers/app.ts';
import { startTestIssuer, type TestIssuer } from './helpers/issuer.ts';
import { createTestRedis, type TestRedis } from './helpers/services.ts';

const PUBLIC_URL = 'https://todo.example.com';

async function dpopClient() {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const jwk = await exportJWK(publicKey);
  return {
    jkt: await calculateJwkThumbprint(jwk, 'sha256'),
    proof: (method: string, path: string, token: string, nonce?: string) =>
      new SignJWT({
        jti: randomUUID(),
        htm: method,
        htu: `${PUBLIC_URL}${path}`,
        iat: Math.floor(Date.now() / 1000),
        ath: createHash('sha256').update(token).digest('base64url'),
        ...(nonce === undefined ? {} : { nonce }),
      })
        .setProtectedHeader({ typ: 'dpop+jwt', alg: 'ES256', jwk })
        .sign(privateKey),
  };
}

function dpop(token: string, proof: string): Record<string, string> {
  return { authorization: `DPoP ${token}`, dpop: proof };
}

function code(body: string): string {
  return (JSON.parse(body) as { code: string }).code;
}

describe('AUTH_DPOP', () => {
  it('is allowed by default; off, allowed and required are accepted; anything else stops start-up', () => {
    const base = { AUTH_ISSUER: 'https://issuer.example.com', DATABASE_URL: 'sqlite::memory:' };
    assert.equal(loadConfig(base).dpop, 'allowed');
    for (const mode of ['off', 'allowed', 'required'] as const)
      assert.equal(loadConfig({ ...base, AUTH_DPOP: mode }).dpop, mode);
    assert.throws(
      () => loadConfig({ ...base, AUTH_DPOP: 'sometimes' }),
      /^ConfigError: AUTH_DPOP must be off, allowed or required/,
    );
  });

  it('AUTH_DPOP_NONCE_SECRET turns server nonces on (lifetime 300 s unless AUTH_DPOP_NONCE_LIFETIME); bad values stop start-up without echoing the secret', () => {
    const base = { AUTH_ISSUER: 'https://issuer.example.com', DATABASE_URL: 'sqlite::memory:' };
    const secret = 'n'.repeat(32);
    assert.equal(loadConfig(base).dpopNonce, undefined);
    assert.deepEqual(loadConfig({ ...base, AUTH_DPOP_NONCE_SECRET: secret }).dpopNonce, {
      secret,
      lifetime: 300,
    });
    assert.deepEqual(
      loadConfig({ ...base, AUTH_DPOP_NONCE_SECRET: secret, AUTH_DPOP_NONCE_LIFETIME: '60' }).dpopNonce,
      { secret, lifetime: 60 },
    );
    assert.throws(
      () => loadConfig({ ...base, AUTH_DPOP_NONCE_SECRET: 'short secret value' }),
      (error: unknown) =>
        error instanceof Error &&
        /^AUTH_DPOP_NONCE_SECRET must be at least 32 characters$/.test(error.message) &&
        !error.message.includes('short secret value'),
    );
    for (const lifetime of ['5', '90000', '1.5', 'soon'])
      assert.throws(
        () => loadConfig({ ...base, AUTH_DPOP_NONCE_SECRET: secret, AUTH_DPOP_NONCE_LIFETIME: lifetime }),
        /^ConfigError: AUTH_DPOP_NONCE_LIFETIME must be a whole number of seconds from 10 to 86400/,
      );
    assert.throws(
      () => loadConfig({ ...base, AUTH_DPOP_NONCE_LIFETIME: '60' }),
      /^ConfigError: AUTH_DPOP_NONCE_LIFETIME must be set with AUTH_DPOP_NONCE_SECRET/,
    );
  });
});

describe('AUTH_DPOP_NONCE_SECRET: server nonces (RFC 9449 §9), shared by every instance through the secret', () => {
  let issuer: TestIssuer;
  const instances: TestApp[] = [];
  const env = { PUBLIC_URL, AUTH_DPOP_NONCE_SECRET: 'the nonce secret every instance shares, 32+' };

  before(async () => {
    issuer = await startTestIssuer();
    for (let i = 0; i < 2; i++) instances.push(await makeTestApp(env, { issuer }));
  });
  after(async () => {
    for (const t of instances) await t.close();
    await issuer?.close();
  });

  it('a proof without a nonce gets 401 use_dpop_nonce and DPoP-Nonce; the other instance accepts that nonce', async () => {
    const client = await dpopClient();
    const token = await issuer.userToken('alice', undefined, { cnf: { jkt: client.jkt } });
    const first = await instances[0]!.app.inject({
      url: '/api/todos',
      headers: dpop(token, await client.proof('GET', '/api/todos', token)),
    });
    assert.equal(first.statusCode, 401, first.body);
    assert.equal(code(first.body), 'ERR_DPOP_NONCE');
    assert.match(first.headers['www-authenticate'] as string, /^DPoP realm="api", error="use_dpop_nonce", /);
    const nonce = first.headers['dpop-nonce'] as string;
    assert.match(nonce, /^[0-9a-z]+\.[\w-]{24}$/);
    const retried = await instances[1]!.app.inject({
      url: '/api/todos',
      headers: dpop(token, await client.proof('GET', '/api/todos', token, nonce)),
    });
    assert.equal(retried.statusCode, 200, retried.body);
    // Current nonce: nothing new to hand out (a stale one would get the next here, RFC 9449 §8.2).
    assert.equal(retried.headers['dpop-nonce'], undefined);
  });
});

describe('DPoP in the API', () => {
  let issuer: TestIssuer;
  let redis: TestRedis;
  const apps: TestApp[] = [];
  let required: TestApp;
  let unreachable: TestApp;

  before(async () => {
    issuer = await startTestIssuer();
    redis = await createTestRedis();
    for (let i = 0; i < 2; i++) {
      apps.push(
        await makeTestApp(
          { PUBLIC_URL, AUTH_DPOP: 'allowed' },
          { issuer, dpopReplay: createRedisReplay(redis.url) },
        ),
      );
    }
    required = await makeTestApp({ PUBLIC_URL, AUTH_DPOP: 'required' }, { issuer });
    // Nothing listens on port 1: every SET fails, so every DPoP request must be refused.
    unreachable = await makeTestApp(
      { PUBLIC_URL },
      { issuer, dpopReplay: createRedisReplay('redis://127.0.0.1:1/') },
    );
  });
  after(async () => {
    for (const t of [...apps, required, unreachable]) await t?.close();
    await redis?.cleanup();
    await issuer?.close();
  });

  it('two instances on Redis: a proof accepted by one is refused by the other (RFC 9449 §11.1)', async () => {
    const client = await dpopClient();
    const token = await issuer.userToken('alice', undefined, { cnf: { jkt: client.jkt } });
    const proof = await client.proof('GET', '/api/todos', token);
    const first = await apps[0]!.app.inject({ url: '/api/todos', headers: dpop(token, proof) });
    assert.equal(first.statusCode, 200, first.body);
    const replayed = await apps[1]!.app.inject({ url: '/api/todos', headers: dpop(token, proof) });
    assert.equal(replayed.statusCode, 401);
    assert.equal(code(replayed.body), 'ERR_DPOP_PROOF_REPLAY');
    assert.match(
      replayed.headers['www-authenticate'] as string,
      /^DPoP realm="api", error="invalid_dpop_proof", /,
    );
    assert.ok((await redis.keys()).some((key) => key.includes('todo-api:dpop:')));
    // A fresh proof is fine on either instance.
    const fresh = await client.proof('GET', '/api/todos', token);
    assert.equal(
      (await apps[1]!.app.inject({ url: '/api/todos', headers: dpop(token, fresh) })).statusCode,
      200,
    );
  });

  it('a DPoP-bound token sent as Bearer is refused', async () => {
    const client = await dpopClient();
    const token = await issuer.userToken('alice', undefined, { cnf: { jkt: client.jkt } });
    const reply = await apps[0]!.app.inject({
      url: '/api/todos',
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(reply.statusCode, 401);
    assert.equal(code(reply.body), 'ERR_DPOP_BOUND_TOKEN_AS_BEARER');
  });

  it('AUTH_DPOP=required refuses Bearer tokens with a DPoP challenge and serves DPoP', async () => {
    const reply = await required.app.inject({
      url: '/api/todos',
      headers: { authorization: `Bearer ${await issuer.userToken('alice')}` },
    });
    assert.equal(reply.statusCode, 401);
    assert.equal(code(reply.body), 'ERR_DPOP_REQUIRED');
    assert.match(reply.headers['www-authenticate'] as string, /^DPoP realm="api", error="invalid_token", /);
    const client = await dpopClient();
    const token = await issuer.userToken('alice', undefined, { cnf: { jkt: client.jkt } });
    const ok = await required.app.inject({
      url: '/api/todos',
      headers: dpop(token, await client.proof('GET', '/api/todos', token)),
    });
    assert.equal(ok.statusCode, 200, ok.body);
  });

  it('Redis unreachable: 503 + Retry-After, the proof is never accepted (fail closed)', async () => {
    const client = await dpopClient();
    const token = await issuer.userToken('alice', undefined, { cnf: { jkt: client.jkt } });
    const reply = await unreachable.app.inject({
      url: '/api/todos',
      headers: dpop(token, await client.proof('GET', '/api/todos', token)),
    });
    assert.equal(reply.statusCode, 503, reply.body);
    assert.equal(code(reply.body), 'ERR_DPOP_REPLAY_UNAVAILABLE');
    assert.ok(reply.headers['retry-after']);
  });
});
