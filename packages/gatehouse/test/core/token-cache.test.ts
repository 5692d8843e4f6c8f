import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createGatehouse, GatehouseError, type GatehouseOptions, requireScopes } from '../../src/index.ts';
import { TestIssuer } from '../helpers/issuer.ts';

describe('verified-token cache: a repeated token costs a lookup, never a wrong answer', () => {
  let issuer: TestIssuer;
  let nowMs = Date.now();
  const make = (options: Partial<GatehouseOptions> = {}) =>
    createGatehouse({
      issuer: issuer.url,
      audience: issuer.audience,
      clock: () => nowMs,
      keys: { cooldown: 0 },
      ...options,
    });
  const codeOf = (p: Promise<unknown>) =>
    p.then(
      () => 'OK',
      (e: unknown) => (e instanceof GatehouseError ? e.code : String(e)),
    );

  before(async () => {
    issuer = await TestIssuer.start(['RS256', 'ES256']);
  });
  after(() => issuer.close());

  it('serves a repeated token from the cache and the same principal', async () => {
    nowMs = Date.now();
    const gh = make();
    const token = await issuer.sign();
    const first = await gh.verify(token);
    const second = await gh.verify(token);
    assert.equal(second, first);
    assert.deepEqual(gh.cacheStats(), { size: 1, bytes: gh.cacheStats()!.bytes, hits: 1, misses: 1 });
  });

  it('never answers a different token from the cache, even one differing in a single character', async () => {
    const gh = make();
    const token = await issuer.sign();
    await gh.verify(token);
    const sig = token.split('.')[2]!;
    const other = `${token.slice(0, -sig.length)}${sig[0] === 'A' ? 'B' : 'A'}${sig.slice(1)}`;
    assert.equal(await codeOf(gh.verify(other)), 'ERR_TOKEN_SIGNATURE');
  });

  it('drops an entry at the token exp, so an expired token is judged afresh', async () => {
    const start = Date.now();
    nowMs = start;
    const gh = make();
    const exp = Math.floor(start / 1000) + 120;
    const token = await issuer.sign({ exp });
    await gh.verify(token);
    nowMs = exp * 1000 + 1000; // past exp, inside the 60 s tolerance: re-verified, still valid
    assert.equal(await codeOf(gh.verify(token)), 'OK');
    assert.equal(gh.cacheStats()!.hits, 0);
    nowMs = exp * 1000 + 61_000;
    assert.equal(await codeOf(gh.verify(token)), 'ERR_TOKEN_EXPIRED');
  });

  it('respects nbf if the clock goes back', async () => {
    const start = Date.now();
    nowMs = start;
    const gh = make({ clockTolerance: 0 });
    const token = await issuer.sign({ nbf: Math.floor(start / 1000) });
    await gh.verify(token);
    nowMs = start - 10_000;
    assert.equal(await codeOf(gh.verify(token)), 'ERR_TOKEN_NOT_YET_VALID');
    nowMs = Date.now();
  });

  it('evicts entries signed by a key that leaves the JWKS', async () => {
    nowMs = Date.now();
    const gh = make();
    const old = await issuer.sign({}, { alg: 'ES256' });
    await gh.verify(old);
    const es = issuer.key('ES256');
    issuer.keys = issuer.keys.filter((k) => k !== es);
    // A token with an unknown kid triggers the refetch that removes the ES256 key.
    await codeOf(gh.verify(await issuer.sign({}, { kid: 'rotated-away' })));
    assert.equal(await codeOf(gh.verify(old)), 'ERR_TOKEN_UNKNOWN_KEY');
    issuer.keys.push(es);
  });

  it('still evaluates authorization on every request', async () => {
    nowMs = Date.now();
    const gh = make();
    const token = await issuer.sign({ scp: 'ToDoList.Read' });
    const principal = await gh.verify(token);
    gh.authorize(principal, [requireScopes(['ToDoList.Read'])]);
    const cached = await gh.verify(token);
    assert.throws(() => gh.authorize(cached, [requireScopes(['ToDoList.ReadWrite'])]), /scope/);
  });

  it('caches no failure, so bad tokens cannot push good entries out', async () => {
    const gh = make({ cache: { enabled: true, maxEntries: 2 } });
    const good = await issuer.sign();
    await gh.verify(good);
    for (let i = 0; i < 20; i++) await codeOf(gh.verify(await issuer.sign({ aud: `api://wrong-${i}` })));
    assert.equal(gh.cacheStats()!.size, 1);
    await gh.verify(good);
    assert.equal(gh.cacheStats()!.hits, 1);
  });

  it('is bounded by entries, oldest out first', async () => {
    const gh = make({ cache: { enabled: true, maxEntries: 3 } });
    for (let i = 0; i < 5; i++) await gh.verify(await issuer.sign({ jti: `t${i}` }));
    assert.equal(gh.cacheStats()!.size, 3);
  });

  it('is bounded by bytes', async () => {
    const gh = make({ cache: { enabled: true, maxBytes: 64 * 1024 } });
    for (let i = 0; i < 40; i++) await gh.verify(await issuer.sign({ jti: `t${i}`, pad: 'x'.repeat(500) }));
    assert.ok(gh.cacheStats()!.bytes <= 64 * 1024);
    assert.ok(gh.cacheStats()!.size < 40);
  });

  it('can be turned off', async () => {
    const gh = make({ cache: { enabled: false } });
    const token = await issuer.sign();
    await gh.verify(token);
    await gh.verify(token);
    assert.equal(gh.cacheStats(), undefined);
  });
});
