import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { makeKey, TestIssuer } from 'gatehouse-test-support/issuer';
import {
  createGatehouse,
  type Gatehouse,
  GatehouseError,
  type GatehouseOptions,
} from '../../../src/index.ts';
import { signRs256Raw } from '../../helpers/tokens.ts';

const fast = { timeout: 500, retryInterval: 100, cooldown: 30_000 };

async function code(gh: Gatehouse, token: string): Promise<string> {
  try {
    await gh.verify(token);
    return 'OK';
  } catch (error) {
    assert.ok(error instanceof GatehouseError, String(error));
    return error.code;
  }
}

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(predicate: () => boolean | Promise<boolean>, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await predicate()) return;
    await wait(25);
  }
  assert.fail('condition not reached in time');
}

describe('key sets: fetched once, refreshed, resilient', () => {
  let issuer: TestIssuer;
  const made: Gatehouse[] = [];
  const make = (options: Partial<GatehouseOptions> = {}) => {
    const gh = createGatehouse({ issuer: issuer.url, audience: issuer.audience, keys: fast, ...options });
    made.push(gh);
    return gh;
  };
  beforeEach(async () => {
    issuer = await TestIssuer.start(['RS256', 'ES256', 'EdDSA']);
  });
  afterEach(async () => {
    for (const gh of made.splice(0)) gh.close();
    await issuer.close();
  });

  it('fetches discovery and JWKS once for many tokens', async () => {
    const gh = make();
    for (let i = 0; i < 20; i++) await gh.verify(await issuer.sign({}, { alg: i % 2 ? 'ES256' : 'RS256' }));
    assert.deepEqual(issuer.fetches, { discovery: 1, jwks: 1 });
  });

  it('coalesces concurrent first fetches into one', async () => {
    issuer.delay = 100;
    const gh = make();
    const token = await issuer.sign();
    const results = await Promise.all(Array.from({ length: 25 }, () => code(gh, token)));
    assert.ok(results.every((r) => r === 'OK'));
    assert.deepEqual(issuer.fetches, { discovery: 1, jwks: 1 });
  });

  it('a storm of 50 unknown kids causes at most 3 JWKS fetches, and valid tokens keep working', async () => {
    const gh = make();
    const valid = await issuer.sign();
    await gh.verify(valid);
    const attacker = await makeKey('RS256');
    const bogus = await Promise.all(
      Array.from({ length: 50 }, (_, i) => issuer.sign({}, { key: attacker, kid: `bogus-${i}` })),
    );
    const results = await Promise.all(bogus.map((t) => code(gh, t)));
    assert.ok(
      results.every((r) => r === 'ERR_TOKEN_UNKNOWN_KEY'),
      results.join(),
    );
    assert.ok(issuer.fetches.jwks <= 3, `${issuer.fetches.jwks} JWKS fetches`);
    assert.equal(await code(gh, valid), 'OK', 'a known kid is never locked out');
    assert.ok(issuer.fetches.jwks <= 3);
  });

  it('accepts a rotated key without restart (refetch on unknown kid after the cooldown)', async () => {
    const gh = make({ keys: { ...fast, cooldown: 200 } });
    await gh.verify(await issuer.sign());
    await issuer.rotate('RS256');
    const rotated = await issuer.sign();
    await wait(250);
    assert.equal(await code(gh, rotated), 'OK');
    assert.equal(issuer.fetches.jwks, 2);
  });

  it('within the cooldown an unknown kid is refused without a fetch, and says why', async () => {
    const gh = make();
    await gh.verify(await issuer.sign());
    await issuer.rotate('RS256');
    const error = await gh.verify(await issuer.sign()).catch((e: unknown) => e);
    assert.ok(error instanceof GatehouseError);
    assert.equal(error.code, 'ERR_TOKEN_UNKNOWN_KEY');
    assert.match(error.detail, /no RS256 key with kid .* known kids/);
    assert.equal(issuer.fetches.jwks, 1);
  });

  it('keeps serving cached keys when the issuer goes down after warm-up (stale-if-error)', async () => {
    const gh = make({ keys: { ...fast, maxAge: 1000, metadataMaxAge: 1000 } });
    gh.start();
    const token = await issuer.sign();
    assert.equal(await code(gh, token), 'OK');
    for (const outage of ['error-500', 'reset', 'hang'] as const) {
      issuer.outage = outage;
      await wait(1100); // past maxAge: background refreshes fail
      assert.equal(await code(gh, token), 'OK', `still valid during ${outage}`);
      assert.equal(gh.ready, true);
      issuer.releaseHung();
    }
    assert.ok(gh.status().lastError, 'the failed refresh is visible in status()');
    issuer.outage = false;
  });

  it('with no keys ever loaded answers 503 with Retry-After, never 401; then recovers by itself', async () => {
    issuer.outage = 'error-500';
    const gh = make();
    gh.start();
    const token = await issuer.sign();
    const error = await gh.verify(token).catch((e: unknown) => e);
    assert.ok(error instanceof GatehouseError);
    assert.equal(error.code, 'ERR_KEYS_UNAVAILABLE');
    assert.equal(error.status, 503);
    assert.ok(error.retryAfter! >= 1);
    assert.equal(gh.ready, false);
    issuer.outage = false;
    await until(() => gh.ready);
    assert.equal(await code(gh, token), 'OK');
  });

  it('bounds a hanging issuer by the fetch timeout', async () => {
    issuer.outage = 'hang';
    const gh = make({ keys: { ...fast, timeout: 300 } });
    const started = Date.now();
    assert.equal(await code(gh, await issuer.sign()), 'ERR_KEYS_UNAVAILABLE');
    assert.ok(Date.now() - started < 2000, `took ${Date.now() - started} ms`);
    assert.match(gh.status().lastError ?? '', /timed out/);
  });

  it('refuses a discovery document that names another issuer', async () => {
    const gh = make({ issuer: `${issuer.url}/` });
    assert.equal(await code(gh, await issuer.sign()), 'ERR_KEYS_UNAVAILABLE');
    assert.match(gh.status().lastError ?? '', /names issuer/);
  });

  it('refuses RSA keys under 2048 bits one key at a time; the rest of the set keeps working', async () => {
    const weak = generateKeyPairSync('rsa', { modulusLength: 1024 });
    issuer.extraJwks.push({ ...weak.publicKey.export({ format: 'jwk' }), kid: 'weak-1024', use: 'sig' });
    const gh = make();
    const weakToken = signRs256Raw({ alg: 'RS256', kid: 'weak-1024' }, issuer.claims(), weak.privateKey);
    assert.equal(await code(gh, weakToken), 'ERR_TOKEN_WEAK_KEY');
    assert.equal(await code(gh, await issuer.sign()), 'OK');
    assert.equal(await code(gh, await issuer.sign({}, { alg: 'EdDSA' })), 'OK');
  });

  it('ignores HMAC (oct) and encryption keys published in the JWKS', async () => {
    issuer.extraJwks.push(
      { kty: 'oct', k: 'c2VjcmV0', kid: 'hmac' },
      { ...issuer.key('ES256').publicJwk, kid: 'enc', use: 'enc' },
    );
    const gh = make();
    assert.equal(
      await code(gh, await issuer.sign({}, { alg: 'ES256', kid: 'enc' })),
      'ERR_TOKEN_UNKNOWN_KEY',
    );
  });

  it('works from an explicit JWKS URL + issuer without discovery', async () => {
    const gh = make({ issuer: issuer.url, jwksUri: issuer.jwksUri });
    assert.equal(await code(gh, await issuer.sign()), 'OK');
    assert.equal(issuer.fetches.discovery, 0);
  });

  it('works from an explicit metadata URL with a query string (B2C ?p= style)', async () => {
    const gh = make({
      issuer: undefined,
      metadataUrl: `${issuer.url}/.well-known/openid-configuration?p=B2C_1_signin`,
    });
    assert.equal(await code(gh, await issuer.sign()), 'OK');
  });

  it('exports a snapshot that lets a new process verify while the issuer is down', async () => {
    const first = make();
    await first.verify(await issuer.sign());
    const snapshot = JSON.parse(JSON.stringify(first.exportSnapshot()[0]));
    assert.equal(snapshot.issuer, issuer.url);
    assert.ok(!JSON.stringify(snapshot).includes('"d"'), 'public keys only');
    issuer.outage = 'error-500';
    const second = make({ snapshot });
    assert.equal(second.ready, true);
    assert.equal(await code(second, await issuer.sign()), 'OK');
    assert.throws(
      () => make({ issuer: 'https://other.example', snapshot }),
      /snapshot\[0\] comes from .* which no configured issuer uses/,
    );
  });
});
