/**
 * Diagnostics for DPoP requests (RFC 9449) and sender-constrained tokens: every authenticate call
 * publishes exactly one verify event with its final outcome, whichever scheme it used and however
 * late it was refused, and DPoP token lookups publish cache hits and misses as Bearer ones do.
 * Real tokens from a test issuer, real proofs, and real HTTP through the node:http adapter.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { after, before, describe, it } from 'node:test';
import { TestIssuer } from 'gatehouse-test-support/issuer';
import {
  type CacheEvent,
  createGatehouse,
  DIAGNOSTICS_CHANNELS,
  type Gatehouse,
  GatehouseError,
  type ReplayStore,
  type VerifyEvent,
} from '../../src/index.ts';
import { header, type RunningServer, send } from '../adapters/http-client.ts';
import { nodeHttpServer } from '../adapters/servers.ts';
import { type DpopKey, makeDpopKey, makeProof } from '../helpers/dpop.ts';

const HOST = 'api.example.com';
const URL_ = `http://${HOST}/items`;

interface Watched {
  /** `accepted`, or the code of the error the caller got. */
  outcome: string;
  /** The status of the error the caller got; undefined when accepted. */
  status: number | undefined;
  verify: VerifyEvent[];
  cache: CacheEvent['result'][];
}

/** Runs one authenticate call with both channels subscribed, and returns what it published. */
async function watch(call: () => Promise<unknown>): Promise<Watched> {
  const verify: VerifyEvent[] = [];
  const cache: CacheEvent['result'][] = [];
  const onVerify = (event: unknown) => verify.push(event as VerifyEvent);
  const onCache = (event: unknown) => cache.push((event as CacheEvent).result);
  subscribe(DIAGNOSTICS_CHANNELS.verify, onVerify);
  subscribe(DIAGNOSTICS_CHANNELS.cache, onCache);
  try {
    return await call().then(
      () => ({ outcome: 'accepted', status: undefined, verify, cache }),
      (error: unknown) => {
        assert.ok(error instanceof GatehouseError, `a GatehouseError, not ${String(error)}`);
        return { outcome: error.code, status: error.status, verify, cache };
      },
    );
  } finally {
    unsubscribe(DIAGNOSTICS_CHANNELS.verify, onVerify);
    unsubscribe(DIAGNOSTICS_CHANNELS.cache, onCache);
  }
}

/** Exactly one verify event, and it says what the caller was told. */
function single(watched: Watched): VerifyEvent {
  assert.equal(watched.verify.length, 1, `one event per call, got ${JSON.stringify(watched.verify)}`);
  const event = watched.verify[0]!;
  assert.equal(event.stage, 'authenticate');
  if (watched.outcome === 'accepted') {
    assert.equal(event.outcome, 'accepted');
    assert.equal(event.code, undefined);
    assert.equal(event.status, undefined);
  } else {
    assert.equal(event.outcome, 'refused');
    assert.equal(event.code, watched.outcome, 'the event carries the code the caller got');
    assert.equal(event.status, watched.status, 'and its status');
  }
  assert.ok(event.durationMs >= 0);
  return event;
}

class FailingStore implements ReplayStore {
  seen(): Promise<boolean> {
    return Promise.reject(new Error('connection refused'));
  }
}

describe('DPoP and sender-constrained requests: one verify event per authenticate call', () => {
  let issuer: TestIssuer;
  let client: DpopKey;
  let attacker: DpopKey;
  const gatehouses: Gatehouse[] = [];

  function gatehouse(options: Partial<Parameters<typeof createGatehouse>[0]> = {}): Gatehouse {
    const made = createGatehouse({
      issuer: issuer.url,
      audience: issuer.audience,
      name: 'dpop-idp',
      ...options,
    });
    gatehouses.push(made);
    return made;
  }

  /** A DPoP request for `token`, with a fresh proof unless one is given. */
  async function dpopRequest(
    token: string,
    init: { proof?: string; method?: string; key?: DpopKey } = {},
  ): Promise<{ method: string; url: string; headers: Record<string, string> }> {
    const proof =
      init.proof ?? (await makeProof(init.key ?? client, { method: init.method ?? 'GET', url: URL_, token }));
    return {
      method: 'GET',
      url: '/items',
      headers: { authorization: `DPoP ${token}`, dpop: proof, host: HOST },
    };
  }

  const bearerRequest = (token: string) => ({
    method: 'GET',
    url: '/items',
    headers: { authorization: `Bearer ${token}`, host: HOST },
  });

  before(async () => {
    issuer = await TestIssuer.start(['RS256']);
    client = await makeDpopKey('ES256');
    attacker = await makeDpopKey('ES256');
  });
  after(async () => {
    for (const made of gatehouses) made.close();
    await issuer.close();
  });

  it('an accepted DPoP request publishes one acceptance, and its token lookup a miss or a hit', async () => {
    const gh = gatehouse();
    const token = await issuer.sign({ jti: 'dpop-accepted', cnf: { jkt: client.jkt } });
    const seen: Watched[] = [];
    // The cache admits a token on its second verification: the third request finds it there.
    for (let i = 0; i < 3; i++) seen.push(await watch(async () => gh.authenticate(await dpopRequest(token))));
    const events = seen.map(single);
    assert.deepEqual(
      events.map((e) => [e.outcome, e.cached, e.issuer]),
      [
        ['accepted', false, 'dpop-idp'],
        ['accepted', false, 'dpop-idp'],
        ['accepted', true, 'dpop-idp'],
      ],
    );
    assert.deepEqual(
      seen.map((w) => w.cache),
      [['miss'], ['miss'], ['hit']],
    );
    assert.equal(gh.cacheStats()?.hits, 1, 'the hit the event told is the one the cache counted');
  });

  it('a refused proof publishes one refusal with the code the caller got', async () => {
    const gh = gatehouse();
    const token = await issuer.sign({ cnf: { jkt: client.jkt } });
    await gh.authenticate(await dpopRequest(token)); // keys loaded, token verified once

    const wrongMethod = await watch(async () =>
      gh.authenticate(await dpopRequest(token, { method: 'POST' })),
    );
    assert.equal(wrongMethod.outcome, 'ERR_DPOP_PROOF_METHOD');
    // The proof is checked before the token is looked up: no cache event, no issuer yet.
    assert.equal(single(wrongMethod).issuer, undefined);
    assert.deepEqual(wrongMethod.cache, []);

    const proof = await makeProof(client, { method: 'GET', url: URL_, token });
    const first = await watch(async () => gh.authenticate(await dpopRequest(token, { proof })));
    const replayed = await watch(async () => gh.authenticate(await dpopRequest(token, { proof })));
    assert.equal(single(first).outcome, 'accepted');
    assert.equal(replayed.outcome, 'ERR_DPOP_PROOF_REPLAY');
    assert.equal(single(replayed).issuer, 'dpop-idp', 'the token itself was good: its issuer is named');

    const otherKey = await watch(async () => gh.authenticate(await dpopRequest(token, { key: attacker })));
    assert.equal(otherKey.outcome, 'ERR_DPOP_BINDING');
    assert.equal(single(otherKey).issuer, 'dpop-idp');

    const unbound = await issuer.sign();
    const notBound = await watch(async () => gh.authenticate(await dpopRequest(unbound)));
    assert.equal(notBound.outcome, 'ERR_DPOP_BINDING');
    single(notBound);

    const expired = await issuer.sign({
      cnf: { jkt: client.jkt },
      exp: Math.floor(Date.now() / 1000) - 3600,
    });
    const badToken = await watch(async () => gh.authenticate(await dpopRequest(expired)));
    assert.equal(badToken.outcome, 'ERR_TOKEN_EXPIRED');
    assert.equal(single(badToken).issuer, 'dpop-idp');
  });

  it('a replay store that cannot answer publishes one 503 refusal', async () => {
    const gh = gatehouse({ dpop: { mode: 'allowed', replayStore: new FailingStore() } });
    const token = await issuer.sign({ cnf: { jkt: client.jkt } });
    const watched = await watch(async () => gh.authenticate(await dpopRequest(token)));
    assert.equal(watched.outcome, 'ERR_DPOP_REPLAY_UNAVAILABLE');
    assert.equal(watched.status, 503);
    assert.equal(single(watched).issuer, 'dpop-idp');
  });

  it('a Bearer request where DPoP is required publishes one refusal', async () => {
    const gh = gatehouse({ dpop: 'required' });
    const token = await issuer.sign();
    const watched = await watch(async () => gh.authenticate(bearerRequest(token)));
    assert.equal(watched.outcome, 'ERR_DPOP_REQUIRED');
    single(watched);
  });

  it('a DPoP-bound token sent as Bearer publishes one event, a refusal, cached or not', async () => {
    const gh = gatehouse();
    const token = await issuer.sign({ cnf: { jkt: client.jkt } });
    const asBearer: Watched[] = [];
    for (let i = 0; i < 3; i++) asBearer.push(await watch(async () => gh.authenticate(bearerRequest(token))));
    assert.deepEqual(
      asBearer.map((w) => w.cache),
      [['miss'], ['miss'], ['hit']],
      'the third call found the token in the cache',
    );
    for (const watched of asBearer) {
      assert.equal(watched.outcome, 'ERR_DPOP_BOUND_TOKEN_AS_BEARER');
      assert.equal(single(watched).issuer, 'dpop-idp');
    }
    // authenticateNow refuses a cached bound token synchronously, and tells it the same way.
    const verify: VerifyEvent[] = [];
    const onVerify = (event: unknown) => verify.push(event as VerifyEvent);
    subscribe(DIAGNOSTICS_CHANNELS.verify, onVerify);
    try {
      assert.throws(() => gh.authenticateNow(bearerRequest(token)), {
        code: 'ERR_DPOP_BOUND_TOKEN_AS_BEARER',
      });
    } finally {
      unsubscribe(DIAGNOSTICS_CHANNELS.verify, onVerify);
    }
    assert.deepEqual(
      verify.map((e) => [e.outcome, e.code]),
      [['refused', 'ERR_DPOP_BOUND_TOKEN_AS_BEARER']],
    );
  });

  it('a certificate-bound token sent without its certificate publishes one event, a refusal', async () => {
    const gh = gatehouse();
    const x5t = createHash('sha256').update('a client certificate').digest('base64url');
    const token = await issuer.sign({ cnf: { 'x5t#S256': x5t } });
    for (let i = 0; i < 3; i++) {
      const watched = await watch(async () => gh.authenticate(bearerRequest(token)));
      assert.equal(watched.outcome, 'ERR_MTLS_BINDING');
      assert.equal(single(watched).issuer, 'dpop-idp');
    }
  });

  it('a cached token and a memory replay store: judged without a promise, listened to or not', async () => {
    const gh = gatehouse();
    const token = await issuer.sign({ cnf: { jkt: client.jkt } });
    for (let i = 0; i < 2; i++) await gh.authenticate(await dpopRequest(token));

    const quiet = gh.authenticateNow(await dpopRequest(token));
    assert.ok(!(quiet instanceof Promise), 'no subscriber: the fast path stays synchronous');
    assert.equal((quiet?.claims.cnf as { jkt?: string } | undefined)?.jkt, client.jkt);

    const request = await dpopRequest(token);
    const watched = await watch(async () => {
      const outcome = gh.authenticateNow(request);
      assert.ok(!(outcome instanceof Promise), 'a subscriber does not add a promise either');
      return outcome;
    });
    assert.equal(single(watched).cached, true);
    assert.deepEqual(watched.cache, ['hit']);
  });

  describe('over real HTTP (node:http adapter)', () => {
    let server: RunningServer;
    let base: string;
    before(async () => {
      const gh = gatehouse();
      gh.start();
      server = await nodeHttpServer(gh);
      base = server.url;
    });
    after(async () => server.close());

    it('an accepted and a refused DPoP request publish one event each', async () => {
      const token = await issuer.sign({ cnf: { jkt: client.jkt } });
      const get = (proof: string) =>
        send(base, '/read', { headers: { authorization: `DPoP ${token}`, dpop: proof } });
      const good = await makeProof(client, { method: 'GET', url: `${base}/read`, token });
      const wrongUri = await makeProof(client, { method: 'GET', url: `${base}/write`, token });

      const accepted = await watch(async () => {
        const reply = await get(good);
        assert.equal(reply.status, 200, reply.text);
      });
      assert.deepEqual(
        accepted.verify.map((e) => [e.stage, e.outcome, e.code, e.issuer]),
        [['authenticate', 'accepted', undefined, 'dpop-idp']],
      );
      assert.deepEqual(accepted.cache, ['miss']);

      const refused = await watch(async () => {
        const reply = await get(wrongUri);
        assert.equal(reply.status, 401, reply.text);
        assert.match(header(reply, 'www-authenticate') ?? '', /^DPoP /, 'the challenge the gate tagged');
      });
      assert.deepEqual(
        refused.verify.map((e) => [e.stage, e.outcome, e.code, e.status]),
        [['authenticate', 'refused', 'ERR_DPOP_PROOF_URI', 401]],
      );

      const replayed = await watch(async () => {
        const reply = await get(good);
        assert.equal(reply.status, 401, reply.text);
      });
      assert.deepEqual(
        replayed.verify.map((e) => [e.outcome, e.code, e.issuer]),
        [['refused', 'ERR_DPOP_PROOF_REPLAY', 'dpop-idp']],
      );
    });
  });
});
