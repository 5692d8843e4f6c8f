import assert from 'node:assert/strict';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { createServer } from 'node:net';
import { after, afterEach, before, describe, it } from 'node:test';
import { TestIssuer } from 'gatehouse-test-support/issuer';
import {
  type CacheEvent,
  createGatehouse,
  DIAGNOSTICS_CHANNELS,
  type Gatehouse,
  type KeysEvent,
  requireScopes,
  type VerifyEvent,
} from '../../src/index.ts';

const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });

/** Subscribes to every Gatehouse channel and collects what they publish. */
function listen() {
  const seen = { verify: [] as VerifyEvent[], keys: [] as KeysEvent[], cache: [] as CacheEvent[] };
  const onVerify = (event: unknown) => seen.verify.push(event as VerifyEvent);
  const onKeys = (event: unknown) => seen.keys.push(event as KeysEvent);
  const onCache = (event: unknown) => seen.cache.push(event as CacheEvent);
  subscribe(DIAGNOSTICS_CHANNELS.verify, onVerify);
  subscribe(DIAGNOSTICS_CHANNELS.keys, onKeys);
  subscribe(DIAGNOSTICS_CHANNELS.cache, onCache);
  return {
    seen,
    stop() {
      unsubscribe(DIAGNOSTICS_CHANNELS.verify, onVerify);
      unsubscribe(DIAGNOSTICS_CHANNELS.keys, onKeys);
      unsubscribe(DIAGNOSTICS_CHANNELS.cache, onCache);
    },
  };
}

async function refusalCode(promise: Promise<unknown>): Promise<string> {
  return promise.then(
    () => 'accepted',
    (error: unknown) => String((error as { code?: unknown }).code),
  );
}

/** A loopback port nothing listens on. */
async function deadPort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('diagnostics_channel: refusals by code, key loads and cache lookups over real HTTP', () => {
  let issuer: TestIssuer;
  let gh: Gatehouse;
  let listener: ReturnType<typeof listen> | undefined;
  before(async () => {
    issuer = await TestIssuer.start(['RS256', 'ES256']);
    gh = createGatehouse({ issuer: issuer.url, audience: issuer.audience, name: 'test-idp' });
  });
  after(async () => {
    gh.close();
    await issuer.close();
  });
  afterEach(() => listener?.stop());

  it('publishes the first key load, each refusal with its code and issuer, and acceptances', async () => {
    listener = listen();
    const { seen } = listener;
    const good = await issuer.sign();
    const expired = await issuer.sign({ exp: Math.floor(Date.now() / 1000) - 3600 });
    const otherAudience = await issuer.sign({ aud: 'api://other' });

    assert.notEqual(await refusalCode(gh.authenticate(bearer(good))), 'ERR_KEYS_UNAVAILABLE');
    assert.equal(await refusalCode(gh.authenticate(bearer(expired))), 'ERR_TOKEN_EXPIRED');
    assert.equal(await refusalCode(gh.authenticate(bearer(otherAudience))), 'ERR_TOKEN_AUDIENCE');
    assert.equal(await refusalCode(gh.authenticate(bearer('not-a-jwt'))), 'ERR_TOKEN_MALFORMED');
    assert.equal(await refusalCode(gh.authenticate({ headers: {} })), 'ERR_TOKEN_MISSING');
    const principal = await gh.authenticate(bearer(good));
    assert.throws(() => gh.authorize(principal, [requireScopes(['ToDoList.Admin'])]), {
      code: 'ERR_INSUFFICIENT_SCOPE',
    });

    const jwks = seen.keys.filter((e) => e.resource === 'jwks');
    assert.equal(jwks.length, 1);
    assert.equal(jwks[0]?.issuer, 'test-idp');
    assert.equal(jwks[0]?.outcome, 'loaded');
    assert.equal(jwks[0]?.keyCount, 2);
    assert.ok((jwks[0]?.durationMs ?? -1) >= 0);
    assert.ok(seen.keys.some((e) => e.resource === 'metadata' && e.outcome === 'loaded'));

    assert.deepEqual(
      seen.verify.map((e) => [e.stage, e.outcome, e.code ?? '-', e.issuer ?? '-']),
      [
        ['authenticate', 'accepted', '-', 'test-idp'],
        ['authenticate', 'refused', 'ERR_TOKEN_EXPIRED', 'test-idp'],
        ['authenticate', 'refused', 'ERR_TOKEN_AUDIENCE', 'test-idp'],
        ['authenticate', 'refused', 'ERR_TOKEN_MALFORMED', '-'],
        ['authenticate', 'refused', 'ERR_TOKEN_MISSING', '-'],
        ['authenticate', 'accepted', '-', 'test-idp'],
        ['authorize', 'refused', 'ERR_INSUFFICIENT_SCOPE', 'test-idp'],
      ],
    );
    assert.deepEqual(
      seen.verify.map((e) => e.status),
      [undefined, 401, 401, 401, 401, undefined, 403],
    );
    for (const event of seen.verify) assert.ok(event.durationMs >= 0);

    // Events carry codes and names, never a token or what it says about the user.
    const published = JSON.stringify(seen);
    for (const secret of [good, expired, otherAudience, 'not-a-jwt', 'user-1', '0000000000a1', 'client-1']) {
      assert.ok(!published.includes(secret), `an event carries ${secret.slice(0, 12)}`);
    }
  });

  it('publishes cache misses and hits; a token the cache holds is answered in the same tick', async () => {
    const token = await issuer.sign({ jti: 'cache-test' });
    await gh.authenticate(bearer(token)); // loads keys if need be; the cache admits on the second sight
    listener = listen();
    const { seen } = listener;
    await gh.authenticate(bearer(token));
    const now = gh.authenticateNow(bearer(token));
    assert.ok(!(now instanceof Promise), 'a cached token is judged without a promise while observed');
    assert.deepEqual(
      seen.cache.map((e) => e.result),
      ['miss', 'hit'],
    );
    assert.deepEqual(
      seen.verify.map((e) => [e.outcome, e.cached]),
      [
        ['accepted', false],
        ['accepted', true],
      ],
    );
  });

  it('a token whose key is loaded is judged in the same tick whether anyone listens or not', async () => {
    const fresh = createGatehouse({
      issuer: issuer.url,
      audience: issuer.audience,
      cache: { enabled: false },
    });
    try {
      const token = await issuer.sign();
      await fresh.authenticate(bearer(token));
      assert.ok(!(fresh.authenticateNow(bearer(token)) instanceof Promise));
      listener = listen();
      const outcome = fresh.authenticateNow(bearer(token));
      assert.ok(!(outcome instanceof Promise));
      assert.equal(outcome?.subject, '00000000-0000-0000-0000-0000000000a1');
      assert.equal(listener.seen.verify.length, 1);
      assert.equal(listener.seen.verify[0]?.issuer, issuer.url, 'the default name is the issuer URL');
      const { seen } = listener;
      listener.stop();
      listener = undefined;
      fresh.authenticateNow(bearer(token));
      assert.equal(seen.verify.length, 1, 'nothing is published once the subscriber leaves');
    } finally {
      fresh.close();
    }
  });

  it('an issuer that cannot be reached publishes failed loads and 503 refusals', async () => {
    listener = listen();
    const { seen } = listener;
    const port = await deadPort();
    const down = createGatehouse({
      issuer: `http://127.0.0.1:${port}`,
      audience: 'api://x',
      name: 'down-idp',
    });
    try {
      const token = await issuer.sign({ iss: `http://127.0.0.1:${port}` });
      assert.equal(await refusalCode(down.authenticate(bearer(token))), 'ERR_KEYS_UNAVAILABLE');
    } finally {
      down.close();
    }
    const failed = seen.keys.filter((e) => e.issuer === 'down-idp');
    assert.ok(failed.length >= 1);
    for (const event of failed) {
      assert.equal(event.outcome, 'failed');
      assert.equal(typeof event.error, 'string');
      assert.ok(!String(event.error).includes('127.0.0.1'), 'a failure names its kind, not the URL');
    }
    assert.deepEqual(
      seen.verify.map((e) => [e.code, e.status, e.issuer]),
      [['ERR_KEYS_UNAVAILABLE', 503, 'down-idp']],
    );
  });
});
