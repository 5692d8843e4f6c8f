/** DPoP units: the RFC 9449 examples, the replay stores and the options. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { calculateJwkThumbprint } from 'jose';
import { challengeFor } from '../../src/core/challenge.ts';
import { tagChallenge } from '../../src/core/dpop/challenge.ts';
import { DpopNonceError, DpopProofError } from '../../src/core/dpop/errors.ts';
import { NonceSource } from '../../src/core/dpop/nonce.ts';
import { resolveDpop } from '../../src/core/dpop/options.ts';
import { checkProof } from '../../src/core/dpop/proof.ts';
import { extractDpopToken, htuOf, normalizedHtu, requestTarget } from '../../src/core/dpop/request.ts';
import type { RequestLike } from '../../src/core/extract.ts';
import { accessTokenHash, ConfigurationError, MemoryReplayStore, RedisReplayStore } from '../../src/index.ts';
import { makeDpopKey, makeProof } from '../helpers/dpop.ts';

describe('RFC 9449 examples', () => {
  it('ath of the §7.1 example access token', () => {
    assert.equal(
      accessTokenHash('Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU'),
      'fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo',
    );
  });

  it('the §4.2 example key has the §6.1 example cnf.jkt (RFC 7638 SHA-256 thumbprint)', async () => {
    const jwk = {
      kty: 'EC',
      x: 'l8tFrhx-34tV3hRICRDY9zCkDlpBhF42UQUfWVAWBFs',
      y: '9VE4jf_Ok_o64zbTTlcuNJajHmt6v9TDVrU0CdvGRDA',
      crv: 'P-256',
    };
    assert.equal(await calculateJwkThumbprint(jwk, 'sha256'), '0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I');
  });

  it('checkProof returns the thumbprint the issuer binds to (cnf.jkt)', async () => {
    const key = await makeDpopKey('ES256');
    const proof = await makeProof(key, { method: 'GET', url: 'https://api.example.com/read', token: 'tok' });
    const verified = checkProof(
      proof,
      { method: 'GET', htu: 'https://api.example.com/read', accessToken: 'tok', now: Date.now() },
      { algorithms: ['ES256'], iatWindow: 60, clockTolerance: 5 },
    );
    assert.equal(verified.jkt, key.jkt);
  });

  it('a proof alg outside the configured list is refused (ES256 only, PS256 proof)', async () => {
    const key = await makeDpopKey('PS256');
    const proof = await makeProof(key, { method: 'GET', url: 'https://api.example.com/read', token: 'tok' });
    assert.throws(
      () =>
        checkProof(
          proof,
          { method: 'GET', htu: 'https://api.example.com/read', accessToken: 'tok', now: Date.now() },
          { algorithms: ['ES256'], iatWindow: 60, clockTolerance: 5 },
        ),
      { code: 'ERR_DPOP_PROOF_ALGORITHM' },
    );
  });
});

describe('htu (RFC 9449 §4.3 check 9)', () => {
  it('normalizes scheme and host case and default ports, drops query and fragment', () => {
    assert.equal(htuOf(new URL('HTTPS://API.Example.com:443/a/b?x=1#f')), 'https://api.example.com/a/b');
    assert.equal(htuOf(new URL('https://h/%7euser/a%2fb')), 'https://h/~user/a%2Fb');
    assert.equal(htuOf(new URL('https://h/~user/a%2Fb')), 'https://h/~user/a%2Fb');
  });

  it('answers each Host, scheme and public URL with its own htu, however often the same target is asked', () => {
    const ask = (host: string | undefined, encrypted: boolean, publicUrl?: string) =>
      requestTarget(
        {
          headers: host === undefined ? {} : { host },
          method: 'GET',
          url: '/same',
          socket: { encrypted },
        },
        publicUrl === undefined ? undefined : new URL(publicUrl),
      ).htu;
    for (let round = 0; round < 2; round++) {
      assert.equal(ask('a.example', false), 'http://a.example/same');
      assert.equal(ask('b.example', false), 'http://b.example/same');
      assert.equal(ask('a.example', true), 'https://a.example/same');
      assert.equal(ask(undefined, false, 'https://api.example.com/v1'), 'https://api.example.com/v1/same');
      // An empty Host is still refused when nothing else names the host, even after the above.
      assert.throws(() => ask('', false), { code: 'ERR_DPOP_PROOF_URI' });
      assert.throws(() => ask(undefined, false), { code: 'ERR_DPOP_PROOF_URI' });
    }
  });

  it('rebuilds the URI from Host and the socket, Express originalUrl first', () => {
    const headers = { host: 'api.example.com:8080' };
    assert.deepEqual(requestTarget({ headers, method: 'GET', url: '/x?q=1' }, undefined), {
      method: 'GET',
      htu: 'http://api.example.com:8080/x',
    });
    assert.equal(
      requestTarget(
        { headers, method: 'GET', url: '/x', originalUrl: '/api/x', socket: { encrypted: true } },
        undefined,
      ).htu,
      'https://api.example.com:8080/api/x',
    );
  });

  it('publicUrl (behind a proxy) replaces scheme, host and adds its path prefix; Host is ignored', () => {
    const target = requestTarget(
      { headers: { host: 'attacker.example' }, method: 'GET', url: '/todos?x=1' },
      new URL('https://api.example.com/v1/'),
    );
    assert.equal(target.htu, 'https://api.example.com/v1/todos');
  });

  it('a proof htu meets the request URI only when they are the same URI: no trailing dot, no scheme swap', () => {
    const requestHtu = (host: string, encrypted = true) =>
      requestTarget({ headers: { host }, method: 'GET', url: '/read', socket: { encrypted } }, undefined).htu;
    const same = (proofHtu: string, host: string, encrypted = true) =>
      normalizedHtu(proofHtu) === requestHtu(host, encrypted);
    assert.ok(same('https://api.example.com/read', 'API.Example.com:443'));
    assert.ok(same('HTTPS://[0:0::1]:8443/read', '[::1]:8443'));
    assert.ok(!same('https://api.example.com./read', 'api.example.com'), 'a trailing dot is another name');
    assert.ok(!same('https://api.example.com/read', 'api.example.com.'));
    assert.ok(!same('http://api.example.com:443/read', 'api.example.com'), 'http on port 443 is not https');
    assert.ok(!same('https://api.example.com/read', 'api.example.com', false));
    assert.ok(!same('https://api.example.com:8443/read', 'api.example.com'));
  });

  it('requests one after the other that differ in one part only (Host, TLS, public URL, raw Host) each get their own htu', () => {
    // The previous request's htu is reused when every input matches: this pins that none is left out.
    const proxy = new URL('https://public.example/api');
    const otherProxy = new URL('https://public.example/api');
    const cases: [RequestLike, URL | undefined, string][] = [
      [
        { headers: { host: 'a.example' }, method: 'GET', url: '/r', socket: { encrypted: true } },
        undefined,
        'https://a.example/r',
      ],
      [
        { headers: { host: 'b.example' }, method: 'GET', url: '/r', socket: { encrypted: true } },
        undefined,
        'https://b.example/r',
      ],
      [
        { headers: { host: 'b.example' }, method: 'GET', url: '/r', socket: { encrypted: false } },
        undefined,
        'http://b.example/r',
      ],
      [{ headers: { host: 'b.example' }, method: 'GET', url: '/r' }, proxy, 'https://public.example/api/r'],
      [{ headers: { host: 'b.example' }, method: 'GET', url: '/s' }, proxy, 'https://public.example/api/s'],
      [
        { headers: { host: 'b.example' }, method: 'GET', url: '/s' },
        new URL('https://other.example'),
        'https://other.example/s',
      ],
      [
        { headers: { host: 'b.example' }, method: 'GET', url: '/s' },
        otherProxy,
        'https://public.example/api/s',
      ],
      [
        { headers: { host: 'b.example' }, rawHeaders: ['Host', 'c.example'], method: 'GET', url: '/s' },
        undefined,
        'http://c.example/s',
      ],
      [{ headers: { host: 'b.example' }, method: 'GET', url: '/s' }, undefined, 'http://b.example/s'],
      [
        {
          headers: {},
          rawHeaders: ['Host', 'a.example'],
          method: 'GET',
          url: '/r',
          socket: { encrypted: true },
        },
        undefined,
        'https://a.example/r',
      ],
    ];
    for (const [request, publicUrl, htu] of [...cases, ...[...cases].reverse()])
      assert.equal(requestTarget(request, publicUrl).htu, htu);
  });

  it('an origin-form target is a path: `//host/x` names no other host, a backslash is no slash', () => {
    const htu = (url: string, publicUrl?: string) =>
      requestTarget(
        { headers: { host: 'api.example.com' }, method: 'GET', url, socket: { encrypted: true } },
        publicUrl === undefined ? undefined : new URL(publicUrl),
      ).htu;
    // RFC 9112 §3.2.1: `//evil.example/read` is a path whose first segment is empty.
    assert.equal(htu('//evil.example/read?x=1'), 'https://api.example.com//evil.example/read');
    assert.equal(
      htu('//evil.example/read', 'https://api.example.com/v1'),
      'https://api.example.com/v1//evil.example/read',
    );
    assert.equal(htu('///read'), 'https://api.example.com///read');
    assert.equal(
      htu('/read#frag?x'),
      'https://api.example.com/read',
      'fragment and query are not part of htu',
    );
    // RFC 3986 §6.2.2 normalization still applies to percent-encodings of unreserved characters.
    assert.equal(htu('/%7Euser/%61'), 'https://api.example.com/~user/a');
    // Dot segments are not removed but refused: a router would not remove them, so the URI the
    // proof names would not be the path served. Any spelling the URL parser reads as a dot counts.
    for (const target of [
      '/a/%2e%2e/read',
      '/a/..',
      '/./read',
      '/a/.%2E/read',
      '/a/%2E./read',
      '/a/.\t./read',
    ])
      assert.throws(() => htu(target), { code: 'ERR_DPOP_PROOF_URI' }, target);
    for (const target of ['/v1.2/read', '/..a/read', '/a../read', '/a/.../read', '/read?x=/../'])
      assert.equal(htu(target), `https://api.example.com${target.split('?')[0]}`, target);
    // No URI has a backslash; the URL parser would read one as `/`, a router as part of a segment.
    for (const target of ['/\\evil.example/read', '/a\\..\\read', 'http://api.example.com/a\\..\\read'])
      assert.throws(() => htu(target, 'https://api.example.com'), { code: 'ERR_DPOP_PROOF_URI' }, target);
  });

  it('an absolute-form target is an http(s) URI: no other scheme re-aims publicUrl or escapes as a TypeError', () => {
    const htu = (url: string) =>
      requestTarget(
        { headers: { host: 'api.example.com' }, method: 'GET', url },
        new URL('https://api.example.com'),
      ).htu;
    assert.equal(htu('http://elsewhere.example/read'), 'https://api.example.com/read');
    // Node's parser refuses these, but a RequestLike can come from anywhere: `mailto:x@other.example`
    // has the path `x@other.example`, which appended to the public URL named other.example's root.
    for (const target of ['mailto:x@other.example', 'urn:x:y', 'foo://a/read'])
      assert.throws(() => htu(target), { code: 'ERR_DPOP_PROOF_URI' }, target);
  });

  it('a request without a method or a URL cannot be checked', () => {
    assert.throws(() => requestTarget({ headers: { host: 'h' }, url: '/' }, undefined), {
      code: 'ERR_DPOP_PROOF_URI',
    });
    assert.throws(() => requestTarget({ headers: {}, method: 'GET', url: '/' }, undefined), {
      code: 'ERR_DPOP_PROOF_URI',
    });
  });
});

describe('the DPoP scheme (RFC 9449 §7.1), read from every request', () => {
  const read = (authorization: string) => extractDpopToken({ headers: { authorization } });

  it('is case-insensitive, takes spaces and tabs around the token, and is no prefix of another scheme', () => {
    assert.equal(read('DPoP a.b.c'), 'a.b.c');
    assert.equal(read(' \tdpop  \ta.b.c \t'), 'a.b.c');
    assert.equal(read('DPoPx a.b.c'), undefined);
    assert.equal(read('Bearer a.b.c'), undefined);
    for (const empty of ['DPoP', 'DPoP \t '])
      assert.throws(() => read(empty), { code: 'ERR_TOKEN_MALFORMED' }, JSON.stringify(empty));
  });

  it('in linear time: a header of 16,000 spaces is read as fast as a short one', () => {
    // A trailing-whitespace regex retried at each space of a run took 0.3 s for this, per request,
    // Bearer requests included: a few requests a second held a core.
    const spaces = ' '.repeat(16_000);
    const started = performance.now();
    for (let i = 0; i < 10; i++) {
      assert.equal(read(`Bearer${spaces}x`), undefined);
      assert.equal(read(`${spaces}x`), undefined);
      assert.equal(read(`DPoP${spaces}x${spaces}`), 'x');
    }
    const elapsed = performance.now() - started;
    assert.ok(elapsed < 250, `30 reads took ${Math.round(elapsed)} ms`);
  });
});

describe('MemoryReplayStore (RFC 9449 §11.1)', () => {
  it('answers false once, true after, until the record expires', () => {
    let now = 1_000_000;
    const store = new MemoryReplayStore({ clock: () => now });
    assert.equal(store.seen('a', now + 1000), false);
    assert.equal(store.seen('a', now + 1000), true);
    now += 1001;
    assert.equal(store.seen('a', now + 1000), false);
  });

  it('is bounded: expired records go, and when full of live records it throws (fail closed)', () => {
    let now = 0;
    const store = new MemoryReplayStore({ maxEntries: 2, clock: () => now });
    store.seen('a', 10);
    store.seen('b', 20);
    assert.throws(() => store.seen('c', 30), /full/);
    assert.equal(store.seen('b', 20), true, 'a live record is never forgotten');
    now = 15;
    assert.equal(store.seen('c', 30), false);
    assert.equal(store.size, 2);
  });
});

describe('RedisReplayStore', () => {
  it('sends SET key 1 PX ttl NX and reads OK as new, null as seen', async () => {
    const calls: unknown[][] = [];
    const answers: unknown[] = ['OK', null];
    const store = new RedisReplayStore(
      {
        set: async (...args) => {
          calls.push(args);
          return answers.shift();
        },
      },
      { clock: () => 1000 },
    );
    assert.equal(await store.seen('jkt:jti', 3500), false);
    assert.equal(await store.seen('jkt:jti', 3500), true);
    assert.deepEqual(calls[0], ['gatehouse:dpop:jti:jkt:jti', '1', 'PX', 2500, 'NX']);
  });
});

describe('dpop options', () => {
  it('defaults to allowed, 60 s, every asymmetric algorithm, a memory store, no advertising', () => {
    const resolved = resolveDpop(undefined);
    assert.equal(resolved.mode, 'allowed');
    assert.equal(resolved.iatWindow, 60);
    assert.equal(resolved.advertise, false);
    assert.ok(resolved.replayStore instanceof MemoryReplayStore);
  });

  it('refuses bad values at start-up with the option path', () => {
    for (const [value, path] of [
      ['sometimes', 'dpop.mode'],
      [{ algorithms: ['HS256'] }, 'dpop.algorithms'],
      [{ iatWindow: 0 }, 'dpop.iatWindow'],
      [{ publicUrl: 'ftp://x' }, 'dpop.publicUrl'],
      [{ publicUrl: 'https://x/?q=1' }, 'dpop.publicUrl'],
      [{ replayStore: {} }, 'dpop.replayStore'],
      [{ nonce: { secret: 'too short' } }, 'dpop.nonce.secret'],
      [{ nonce: { secret: 'x'.repeat(32), lifetime: 1 } }, 'dpop.nonce.lifetime'],
      [{ bogus: 1 }, 'dpop.bogus'],
    ] as const) {
      assert.throws(
        () => resolveDpop(value as never),
        (error: unknown) =>
          error instanceof ConfigurationError && error.description.startsWith(`gatehouse: ${path} `),
      );
    }
  });
});

describe('server nonces (RFC 9449 §9): stateless, shared through the secret', () => {
  const secret = 'a secret of at least thirty-two characters';
  it('another instance with the same secret accepts the nonce; another secret does not', () => {
    const now = () => 1_000_000_000;
    const nonce = new NonceSource(secret, 300, now).current();
    assert.equal(new NonceSource(secret, 300, now).accepts(nonce), true);
    assert.equal(new NonceSource(`${secret}!`, 300, now).accepts(nonce), false);
  });

  it('valid in its slot and the next, not after; forged or malformed nonces are refused', () => {
    let now = 1_000_000_000;
    const source = new NonceSource(secret, 300, () => now);
    const nonce = source.current();
    now += 300_000;
    assert.equal(source.accepts(nonce), true);
    now += 300_000;
    assert.equal(source.accepts(nonce), false);
    const [slot] = source.current().split('.');
    assert.equal(source.accepts(`${slot}.${'A'.repeat(24)}`), false);
    for (const bad of [undefined, 42, '', 'x', `${slot}.`, 'zzzzzzzzzzzzz.AAAAAAAAAAAAAAAAAAAAAAAA'])
      assert.equal(source.accepts(bad), false);
  });

  it("says which slot a nonce is from: the previous slot's is stale and admitted with the current one to hand out", () => {
    let now = 1_000_000_000;
    const source = new NonceSource(secret, 300, () => now);
    const first = source.current();
    assert.equal(source.check(first), 'current');
    assert.equal(source.admit(first), undefined);
    now += 300_000;
    const second = source.current();
    assert.notEqual(second, first);
    assert.equal(source.check(first), 'stale');
    assert.equal(source.admit(first), second);
    assert.equal(source.check(second), 'current');
    now += 300_000;
    assert.equal(source.check(first), undefined);
    assert.throws(
      () => source.admit(first),
      (error: unknown) => error instanceof DpopNonceError && error.nonce === source.current(),
    );
    assert.throws(() => source.admit(undefined), DpopNonceError);
  });

  it('the clock going back gives the same nonces as before: slots are computed, never remembered wrongly', () => {
    let now = 1_000_000_000;
    const source = new NonceSource(secret, 300, () => now);
    const earlier = source.current();
    for (const step of [300_000, 300_000, 300_000]) {
      now += step;
      assert.equal(source.current(), new NonceSource(secret, 300, () => now).current());
    }
    now -= 900_000;
    assert.equal(source.current(), earlier);
    assert.equal(source.check(earlier), 'current');
  });
});

describe('RFC 9728 resource_metadata in DPoP challenges', () => {
  const metadata = 'https://api.example.com/.well-known/oauth-protected-resource';
  const context = { mode: 'allowed' as const, algorithms: ['ES256'], usedDpop: true, advertise: false };

  it('a refused DPoP request names the metadata in the DPoP challenge and in the Bearer one after it', () => {
    const error = new DpopProofError('ERR_DPOP_PROOF_SIGNATURE', {
      description: 'The DPoP proof is not signed',
    });
    tagChallenge(error, context);
    assert.equal(
      challengeFor(error, { realm: 'api', resourceMetadata: metadata }),
      'DPoP realm="api", error="invalid_dpop_proof", error_description="The DPoP proof is not signed", ' +
        `algs="ES256", resource_metadata="${metadata}", Bearer realm="api", resource_metadata="${metadata}"`,
    );
  });

  it('required mode names it too; without the option nothing changes', () => {
    const error = new DpopProofError('ERR_DPOP_PROOF_SIGNATURE', {
      description: 'The DPoP proof is not signed',
    });
    tagChallenge(error, { ...context, mode: 'required' });
    assert.equal(
      challengeFor(error, { realm: 'api', resourceMetadata: metadata }),
      'DPoP realm="api", error="invalid_dpop_proof", error_description="The DPoP proof is not signed", ' +
        `algs="ES256", resource_metadata="${metadata}"`,
    );
    assert.doesNotMatch(challengeFor(error, 'api') ?? '', /resource_metadata/);
  });
});
