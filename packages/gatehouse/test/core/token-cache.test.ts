import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { TestIssuer } from 'gatehouse-test-support/issuer';
import type { Principal } from '../../src/core/principal.ts';
import { TokenCache } from '../../src/core/token-cache.ts';
import { createGatehouse, GatehouseError, type GatehouseOptions, requireScopes } from '../../src/index.ts';

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

  /** Verifies a token twice: the second success admits it. */
  const admit = async (gh: ReturnType<typeof make>, token: string) => {
    await gh.verify(token);
    return gh.verify(token);
  };

  it('admits a token on its second verification and then serves the same principal from the cache', async () => {
    nowMs = Date.now();
    const gh = make();
    const token = await issuer.sign();
    await gh.verify(token);
    assert.equal(gh.cacheStats()!.size, 0);
    const second = await gh.verify(token);
    assert.equal(gh.cacheStats()!.size, 1);
    const third = await gh.verify(token);
    assert.equal(third, second);
    assert.deepEqual(gh.cacheStats(), { size: 1, bytes: gh.cacheStats()!.bytes, hits: 1, misses: 2 });
  });

  it('keeps a stream of tokens each used once out of the cache, and the entries of reused tokens in it', async () => {
    nowMs = Date.now();
    const gh = make({ cache: { enabled: true, maxEntries: 4 } });
    const reused = await issuer.sign({ jti: 'reused' });
    await admit(gh, reused);
    for (let i = 0; i < 30; i++) await gh.verify(await issuer.sign({ jti: `once-${i}` }));
    assert.equal(gh.cacheStats()!.size, 1);
    const hits = gh.cacheStats()!.hits;
    await gh.verify(reused);
    assert.equal(gh.cacheStats()!.hits, hits + 1);
  });

  it('never answers a different token from the cache, even one differing in a single character', async () => {
    const gh = make();
    const token = await issuer.sign();
    await admit(gh, token);
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
    await admit(gh, token);
    assert.equal(gh.cacheStats()!.size, 1);
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
    await admit(gh, token);
    assert.equal(gh.cacheStats()!.size, 1);
    nowMs = start - 10_000;
    assert.equal(await codeOf(gh.verify(token)), 'ERR_TOKEN_NOT_YET_VALID');
    nowMs = Date.now();
  });

  it('evicts entries signed by a key that leaves the JWKS', async () => {
    nowMs = Date.now();
    const gh = make();
    const old = await issuer.sign({}, { alg: 'ES256' });
    await admit(gh, old);
    assert.equal(gh.cacheStats()!.size, 1);
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
    const principal = await admit(gh, token);
    gh.authorize(principal, [requireScopes(['ToDoList.Read'])]);
    const cached = await gh.verify(token);
    assert.equal(cached, principal);
    assert.throws(() => gh.authorize(cached, [requireScopes(['ToDoList.ReadWrite'])]), /scope/);
  });

  it('caches no failure, so bad tokens cannot push good entries out', async () => {
    const gh = make({ cache: { enabled: true, maxEntries: 2 } });
    const good = await issuer.sign();
    await admit(gh, good);
    for (let i = 0; i < 20; i++) await codeOf(gh.verify(await issuer.sign({ aud: `api://wrong-${i}` })));
    assert.equal(gh.cacheStats()!.size, 1);
    await gh.verify(good);
    assert.equal(gh.cacheStats()!.hits, 1);
  });

  it('is bounded by entries, oldest out first', async () => {
    const gh = make({ cache: { enabled: true, maxEntries: 3 } });
    const tokens: string[] = [];
    for (let i = 0; i < 5; i++) tokens.push(await issuer.sign({ jti: `t${i}` }));
    for (const token of tokens) await admit(gh, token);
    assert.equal(gh.cacheStats()!.size, 3);
    const hits = gh.cacheStats()!.hits;
    await gh.verify(tokens[0]!); // evicted: verified afresh
    await gh.verify(tokens[4]!); // newest: a hit
    assert.equal(gh.cacheStats()!.hits, hits + 1);
  });

  it('is bounded by bytes', async () => {
    const gh = make({ cache: { enabled: true, maxBytes: 128 * 1024 } });
    for (let i = 0; i < 40; i++) await admit(gh, await issuer.sign({ jti: `t${i}`, pad: 'x'.repeat(500) }));
    assert.ok(gh.cacheStats()!.size > 1);
    assert.ok(gh.cacheStats()!.bytes <= 128 * 1024);
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

describe('TokenCache: keyed by the signature tail, answered only for the very same token', () => {
  const principal = (subject: string): Principal =>
    Object.freeze({
      subject,
      issuer: 'https://issuer.example',
      issuerSubject: JSON.stringify(['https://issuer.example', subject]),
      tenant: undefined,
      clientId: undefined,
      scopes: [],
      roles: [],
      isApp: false,
      policy: undefined,
      expiresAt: Math.floor(Date.now() / 1000) + 3600,
      claims: {},
    });
  const options = { maxEntries: 100, maxBytes: 1024 * 1024 };
  const tail = 'x'.repeat(64);

  it('misses for a token that shares the stored one’s last characters but differs before them', () => {
    const cache = new TokenCache(options);
    const stored = `aaa.bbb.${tail}`;
    cache.set(stored, principal('alice'), 'k1', 0, 100);
    cache.set(stored, principal('alice'), 'k1', 0, 100);
    assert.equal(cache.get(stored, Date.now())?.subject, 'alice');
    assert.equal(cache.get(`aaa.bbc.${tail}`, Date.now()), undefined);
    assert.equal(cache.get(`zaa.bbb.${tail}`, Date.now()), undefined);
  });

  it('replaces an entry whose tail a newly admitted token shares, and answers each only for itself', () => {
    const cache = new TokenCache(options);
    const first = `one.bbb.${tail}`;
    const second = `two.bbb.${tail}`;
    for (const token of [first, first, second, second]) cache.set(token, principal(token), 'k1', 0, 100);
    assert.equal(cache.size, 1);
    assert.equal(cache.get(first, Date.now()), undefined);
    assert.equal(cache.get(second, Date.now())?.subject, second);
  });

  it('admits nothing from tokens offered once each, however many', () => {
    const cache = new TokenCache(options);
    for (let i = 0; i < 5000; i++)
      cache.set(`h.p.${randomBytes(256).toString('base64url')}`, principal('x'), 'k1', 0, 100);
    assert.equal(cache.size, 0);
    assert.equal(cache.bytes, 0);
  });

  it('holds no entry past exp nor before nbf', () => {
    const cache = new TokenCache(options);
    const token = `h.p.${tail}`;
    const p = principal('alice');
    const notBefore = Date.now() - 1000;
    cache.set(token, p, 'k1', notBefore, 100);
    cache.set(token, p, 'k1', notBefore, 100);
    assert.equal(cache.get(token, notBefore - 1), undefined);
    cache.set(token, p, 'k1', notBefore, 100);
    cache.set(token, p, 'k1', notBefore, 100);
    assert.equal(cache.get(token, p.expiresAt * 1000), undefined);
    assert.equal(cache.size, 0);
  });
});
