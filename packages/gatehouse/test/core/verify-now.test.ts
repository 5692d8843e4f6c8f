import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { makeKey, TestIssuer } from 'gatehouse-test-support/issuer';
import { Refreshing } from '../../src/core/keys/refreshing.ts';
import type { Principal } from '../../src/core/principal.ts';
import { createGatehouse, type Gatehouse, GatehouseError } from '../../src/index.ts';
import { makeDpopKey, makeProof } from '../helpers/dpop.ts';
import { b64url, withSegment } from '../helpers/tokens.ts';

const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });

/** What authenticateNow gave: a value at once, a promise, or a synchronous throw. */
function now(gh: Gatehouse, token: string): { at: 'once'; principal: Principal | null } | { at: 'later' } {
  const outcome = gh.authenticateNow(bearer(token));
  if (outcome instanceof Promise) {
    outcome.catch(() => {}); // judged by the caller through verify(); this only looks at the shape
    return { at: 'later' };
  }
  return { at: 'once', principal: outcome };
}

function thrownCode(fn: () => unknown): string {
  try {
    const outcome = fn();
    return outcome instanceof Promise ? 'PROMISE' : 'OK';
  } catch (error) {
    return error instanceof GatehouseError ? error.code : String(error);
  }
}

describe('authenticateNow: a token is judged in the same tick once its issuer and key are at hand', () => {
  let issuer: TestIssuer;
  let gh: Gatehouse;
  before(async () => {
    issuer = await TestIssuer.start(['RS256', 'ES256']);
    // The cache is off: every answer below is a full verification, not a cache hit.
    gh = createGatehouse({ issuer: issuer.url, audience: issuer.audience, cache: { enabled: false } });
  });
  after(async () => {
    gh.close();
    await issuer.close();
  });

  it('waits while no key set is loaded, then answers fresh tokens at once', async () => {
    const first = await issuer.sign({ jti: 'first' });
    assert.equal(now(gh, first).at, 'later', 'no key set loaded yet');
    await gh.verify(first);
    const fresh = await issuer.sign({ jti: 'fresh', sub: 'user-2', oid: undefined });
    const answer = now(gh, fresh);
    assert.equal(answer.at, 'once');
    assert.equal(answer.at === 'once' ? answer.principal?.subject : undefined, 'user-2');
  });

  it('imports every published key as the set loads: the first token of each algorithm is answered at once', async () => {
    const started = createGatehouse({
      issuer: issuer.url,
      audience: issuer.audience,
      cache: { enabled: false },
    });
    started.start();
    while (!started.ready) await new Promise((resolve) => setTimeout(resolve, 5));
    await new Promise((resolve) => setImmediate(resolve));
    try {
      assert.equal(now(started, await issuer.sign({ jti: 'rs-first' })).at, 'once');
      assert.equal(now(started, await issuer.sign({ jti: 'es-first' }, { alg: 'ES256' })).at, 'once');
    } finally {
      started.close();
    }
  });

  it('throws at once, with the code verify() rejects with, for tokens refused with the keys at hand', async () => {
    await gh.verify(await issuer.sign({ jti: 'warm' }));
    const epoch = Math.floor(Date.now() / 1000);
    const valid = await issuer.sign({ jti: 'tamper' });
    const cases: [string, string, string][] = [
      [
        'expired',
        await issuer.sign({ exp: epoch - 3600, iat: epoch - 7200, nbf: epoch - 7200 }),
        'ERR_TOKEN_EXPIRED',
      ],
      ['another audience', await issuer.sign({ aud: 'api://other' }), 'ERR_TOKEN_AUDIENCE'],
      ['another issuer', await issuer.sign({ iss: 'https://evil.example' }), 'ERR_TOKEN_ISSUER'],
      [
        'tampered claims',
        withSegment(valid, 1, b64url({ ...issuer.claims(), scp: 'Admin' })),
        'ERR_TOKEN_SIGNATURE',
      ],
      ['alg none', withSegment(valid, 0, b64url({ alg: 'none' })), 'ERR_TOKEN_ALGORITHM'],
      ['not a JWT', 'abc.def', 'ERR_TOKEN_MALFORMED'],
    ];
    for (const [name, token, code] of cases) {
      assert.equal(
        thrownCode(() => gh.authenticateNow(bearer(token))),
        code,
        name,
      );
      const rejected = await gh.verify(token).then(
        () => 'OK',
        (e: unknown) => (e instanceof GatehouseError ? e.code : String(e)),
      );
      assert.equal(rejected, code, `${name}: verify() agrees`);
    }
  });

  it('still waits for a token naming an unknown kid (the key set may have rotated) and then refuses it', async () => {
    await gh.verify(await issuer.sign({ jti: 'warm' }));
    const stranger = await makeKey('RS256', 'not-published');
    const token = await issuer.sign({}, { key: stranger });
    const outcome = gh.authenticateNow(bearer(token));
    assert.ok(outcome instanceof Promise, 'an unknown kid goes through the refetch path');
    await assert.rejects(
      outcome,
      (e: unknown) => e instanceof GatehouseError && e.code === 'ERR_TOKEN_UNKNOWN_KEY',
    );
  });

  it('leaves authenticate() a promise in every case: refusals reject, they never throw', async () => {
    await gh.verify(await issuer.sign({ jti: 'warm' }));
    const ok = gh.authenticate(bearer(await issuer.sign({ jti: 'promise' })));
    assert.ok(ok instanceof Promise);
    assert.equal((await ok)?.subject, '00000000-0000-0000-0000-0000000000a1');
    const bad = gh.authenticate(bearer(await issuer.sign({ aud: 'api://other' })));
    assert.ok(bad instanceof Promise);
    await assert.rejects(bad, (e: unknown) => e instanceof GatehouseError && e.code === 'ERR_TOKEN_AUDIENCE');
  });
});

describe('Refreshing.peek: the current value without waiting', () => {
  it('is undefined before the first load, and starts no load of its own', () => {
    let loads = 0;
    const r = new Refreshing({
      load: async () => ++loads,
      timing: { maxAge: 1000, retryInterval: 100 },
      now: () => 0,
    });
    assert.equal(r.peek(), undefined);
    assert.equal(loads, 0);
  });

  it('gives the loaded value, and starts one background refresh once the value is stale', async () => {
    let clock = 0;
    let loads = 0;
    const r = new Refreshing({
      load: async () => ++loads,
      timing: { maxAge: 1000, retryInterval: 100 },
      now: () => clock,
    });
    await r.reload();
    assert.equal(r.peek(), 1);
    clock = 799;
    assert.equal(r.peek(), 1);
    assert.equal(r.loading, false, 'fresh until 80 % of maxAge');
    clock = 800;
    assert.equal(r.peek(), 1, 'the stale value is served while the refresh runs');
    assert.equal(r.loading, true);
    assert.equal(r.peek(), 1);
    assert.equal(r.loadCount, 2, 'one refresh, however many callers');
    await r.get();
    r.stop();
  });
});

describe('authenticateNow: a DPoP request is answered in the same tick once its token is cached', () => {
  let issuer: TestIssuer;
  let gh: Gatehouse;
  const url = 'http://api.example.com/items';
  const dpopRequest = (token: string, proof: string) => ({
    method: 'GET',
    url: '/items',
    headers: { authorization: `DPoP ${token}`, dpop: proof, host: 'api.example.com' },
  });
  before(async () => {
    issuer = await TestIssuer.start(['RS256']);
    gh = createGatehouse({ issuer: issuer.url, audience: issuer.audience, dpop: 'allowed' });
  });
  after(async () => {
    gh.close();
    await issuer.close();
  });

  it('checks a fresh proof on every request, without waiting, with the memory replay store', async () => {
    const key = await makeDpopKey();
    const token = await issuer.sign({ jti: 'bound', cnf: { jkt: key.jkt } });
    const first = gh.authenticateNow(dpopRequest(token, await makeProof(key, { method: 'GET', url, token })));
    assert.ok(first instanceof Promise, 'the first sight of the token loads the keys');
    assert.equal(
      (await first)?.subject,
      (await gh.verify(token, { senderConstrained: 'caller-checks' })).subject,
    );
    const proof = await makeProof(key, { method: 'GET', url, token });
    const second = gh.authenticateNow(dpopRequest(token, proof));
    assert.ok(!(second instanceof Promise), 'a cached token with a fresh proof is answered at once');
    assert.equal(second?.claims.jti, 'bound');
    // The proof was recorded in that same tick: sent again, it is a replay, refused at once too.
    assert.equal(
      thrownCode(() => gh.authenticateNow(dpopRequest(token, proof))),
      'ERR_DPOP_PROOF_REPLAY',
    );
  });
});
