import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import { makeKey, TestIssuer } from 'gatehouse-test-support/issuer';
import { freePort } from 'gatehouse-test-support/ports';
import { backoff, FIRST_RETRY_DELAY, Refreshing } from '../../../src/core/keys/refreshing.ts';
import {
  createGatehouse,
  defaults,
  type Gatehouse,
  GatehouseError,
  type GatehouseOptions,
} from '../../../src/index.ts';
import { withSegment } from '../../helpers/tokens.ts';

const MINUTE = 60_000;
const { cooldown, retryInterval } = defaults.keys;

/**
 * Fetch starts of one document in a minute when every wait is the shortest the jitter allows and
 * every fetch fails at once: the worst case while the document has never loaded.
 */
function worstCaseNeverLoaded(retry: number): number {
  let at = 0;
  let fetches = 1;
  for (let failures = 1; ; failures++) {
    at += backoff(failures, retry, () => 0);
    if (at > MINUTE) return fetches;
    fetches++;
  }
}
/** Once loaded, one fetch per cooldown, whatever the reason: the first, then one per cooldown. */
const worstCaseLoaded = (cool: number) => 1 + Math.floor(MINUTE / cool);

async function outcome(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'OK';
  } catch (error) {
    assert.ok(error instanceof GatehouseError, String(error));
    return `${error.status} ${error.code}`;
  }
}

describe('key fetching is paced: outbound fetches per issuer are bounded whatever the requests', () => {
  let issuer: TestIssuer;
  let nowMs = 0;
  const made: Gatehouse[] = [];
  /** Default pacing, an injected clock (moved by the tests, never slept on), no background timers. */
  const make = (options: Partial<GatehouseOptions> = {}) => {
    const gh = createGatehouse({
      issuer: issuer.url,
      audience: issuer.audience,
      clock: () => nowMs,
      keys: { timeout: 2000 },
      ...options,
    });
    made.push(gh);
    return gh;
  };
  const forged = async (n: number) => {
    const attacker = await makeKey('RS256');
    return Promise.all(
      Array.from({ length: n }, () => issuer.sign({}, { key: attacker, kid: randomUUID() })),
    );
  };

  beforeEach(async () => {
    issuer = await TestIssuer.start(['RS256', 'ES256']);
    nowMs = Date.now();
  });
  afterEach(async () => {
    for (const gh of made.splice(0)) gh.close();
    await issuer.close();
  });

  it('the documented bound follows from the constants (README "Keys, caching and outages")', () => {
    assert.equal(FIRST_RETRY_DELAY, 1000);
    assert.equal(worstCaseNeverLoaded(retryInterval), 15);
    assert.equal(worstCaseLoaded(cooldown), 3);
    // Whatever the jitter, a failed fetch is retried within retryInterval (the design's 10 s).
    for (let failures = 1; failures < 40; failures++) {
      for (const r of [0, 0.5, 0.999]) {
        const wait = backoff(failures, retryInterval, () => r);
        assert.ok(wait >= Math.min(FIRST_RETRY_DELAY, retryInterval) / 2 && wait <= retryInterval, `${wait}`);
      }
    }
  });

  it('an issuer failing fast (503) before the first load: 100 concurrent requests cost one fetch, then back-off', async () => {
    issuer.outage = 'error-503';
    const gh = make();
    const token = await issuer.sign();
    const flood = async (n: number) => {
      const results = await Promise.all(Array.from({ length: n }, () => outcome(gh.verify(token))));
      assert.deepEqual(new Set(results), new Set(['503 ERR_KEYS_UNAVAILABLE']), 'never 401 without keys');
    };
    await flood(100);
    assert.deepEqual(issuer.fetches, { discovery: 1, jwks: 0 }, 'one fetch for 100 concurrent requests');
    await flood(100);
    assert.deepEqual(issuer.fetches, { discovery: 1, jwks: 0 }, 'no refetch before the back-off');
    nowMs += FIRST_RETRY_DELAY / 2 - 1;
    await flood(100);
    assert.equal(issuer.fetches.discovery, 1, 'the jitter never shortens the first back-off under half');
    nowMs += FIRST_RETRY_DELAY / 2 + 1;
    await flood(100);
    assert.equal(issuer.fetches.discovery, 2, 'one retry once the back-off is over');
    nowMs += FIRST_RETRY_DELAY - 1;
    await flood(100);
    assert.equal(issuer.fetches.discovery, 2, 'the second back-off is longer');
    issuer.outage = false;
    nowMs += retryInterval;
    assert.equal(await outcome(gh.verify(token)), 'OK', 'recovers');
    assert.deepEqual(issuer.fetches, { discovery: 3, jwks: 1 });
  });

  for (const kind of ['metadata', 'jwksUri'] as const) {
    it(`connection refused (${kind}): a minute of floods stays within ${worstCaseNeverLoaded(retryInterval)} fetches`, async () => {
      const dead = `http://127.0.0.1:${await freePort()}`;
      let fetches = 0;
      const counting: typeof fetch = (input, init) => {
        fetches++;
        return fetch(input, init);
      };
      const gh = make({
        issuer: dead,
        ...(kind === 'jwksUri' ? { jwksUri: `${dead}/jwks` } : {}),
        fetch: counting,
      });
      const token = await issuer.sign({ iss: dead });
      const bogus = await forged(5);
      for (let at = 0; at <= MINUTE; at += 250) {
        nowMs += at === 0 ? 0 : 250;
        const results = await Promise.all([token, ...bogus].map((t) => outcome(gh.verify(t))));
        assert.deepEqual(new Set(results), new Set(['503 ERR_KEYS_UNAVAILABLE']));
      }
      assert.ok(fetches >= 2, `${fetches}: retried at least every ${retryInterval} ms`);
      assert.ok(fetches <= worstCaseNeverLoaded(retryInterval), `${fetches} fetches in a minute`);
      assert.match(gh.status().lastError ?? '', /request failed/);
    });
  }

  it('stale keys and a 503 issuer: 200 forged tokens (random kids, bad signatures) cost one fetch per cooldown', async () => {
    const gh = make();
    assert.equal(await outcome(gh.verify(await issuer.sign())), 'OK');
    assert.deepEqual(issuer.fetches, { discovery: 1, jwks: 1 });
    issuer.outage = 'error-503';
    // Past both freshness limits: the key set and the metadata are stale, so every reason to refetch is live.
    nowMs += defaults.keys.metadataMaxAge;
    const valid = await issuer.sign(issuer.claims(Math.floor(nowMs / 1000)));
    const randomKids = await forged(100);
    const badSignatures = Array.from({ length: 100 }, (_, i) =>
      withSegment(valid, 2, Buffer.from(`not the signature ${i}`).toString('base64url')),
    );
    const flood = async () => {
      const results = await Promise.all(
        [...randomKids, ...badSignatures, valid].map((t) => outcome(gh.verify(t))),
      );
      assert.equal(results.at(-1), 'OK', 'cached keys keep serving');
      for (const r of results.slice(0, -1)) assert.match(r, /^401 ERR_TOKEN_(UNKNOWN_KEY|SIGNATURE)$/);
    };
    await flood();
    const first = { ...issuer.fetches };
    assert.deepEqual(first, { discovery: 2, jwks: 2 }, 'one refresh of each document for 201 requests');
    for (let i = 0; i < 5; i++) {
      nowMs += (cooldown - 1) / 5;
      await flood();
    }
    assert.deepEqual(issuer.fetches, first, 'nothing more within the cooldown');
    nowMs += cooldown;
    await flood();
    assert.ok(issuer.fetches.jwks <= first.jwks + 1 && issuer.fetches.discovery <= first.discovery + 1);
  });

  it('a flood of random kids cannot delay a rotated key past the cooldown', async () => {
    const gh = make();
    await gh.verify(await issuer.sign());
    const bogus = await forged(50);
    const flood = () => Promise.all(bogus.map((t) => outcome(gh.verify(t))));
    nowMs += cooldown;
    await flood();
    assert.equal(issuer.fetches.jwks, 2, 'the flood spent the one refetch the cooldown allows');
    await issuer.rotate('RS256');
    const rotated = await issuer.sign(issuer.claims(Math.floor(nowMs / 1000)));
    nowMs += cooldown - 1;
    await flood();
    assert.equal(await outcome(gh.verify(rotated)), '401 ERR_TOKEN_UNKNOWN_KEY', 'within the cooldown');
    nowMs += 1;
    await flood();
    assert.equal(await outcome(gh.verify(rotated)), 'OK', 'accepted once the cooldown is over, flood or not');
    assert.equal(issuer.fetches.jwks, 3);
  });

  it('loaded keys and a failing issuer: a minute of forged-token floods costs at most one fetch per cooldown', async () => {
    const gh = make();
    const valid = await issuer.sign();
    await gh.verify(valid);
    issuer.outage = 'error-503';
    const bogus = await forged(20);
    for (let at = 0; at < MINUTE; at += 500) {
      nowMs += 500;
      const results = await Promise.all([valid, ...bogus].map((t) => outcome(gh.verify(t))));
      assert.equal(results[0], 'OK');
      assert.ok(results.slice(1).every((r) => r === '401 ERR_TOKEN_UNKNOWN_KEY'));
    }
    // The first load counts: a minute with it holds no more than the bound.
    assert.ok(issuer.fetches.jwks <= worstCaseLoaded(cooldown), `${issuer.fetches.jwks} JWKS fetches`);
    assert.ok(issuer.fetches.jwks >= 2, 'unknown kids still refetch after the cooldown');
    assert.equal(issuer.fetches.discovery, 1, 'fresh metadata is not refetched');
  });
});

describe('Refreshing: the background timer obeys the same pacing', () => {
  let clock = 0;
  beforeEach(() => {
    clock = 0;
    mock.timers.enable({ apis: ['setTimeout'] });
  });
  afterEach(() => mock.timers.reset());

  /** Moves the clock and the timers together, letting each fetch settle. */
  async function run(ms: number, step: number, each: () => void): Promise<void> {
    for (let t = 0; t < ms; t += step) {
      clock += step;
      mock.timers.tick(step);
      each();
      for (let i = 0; i < 5; i++) await Promise.resolve();
    }
  }

  it('never loaded, failing: timer and callers together stay within the bound, and retry within retryInterval', async () => {
    const starts: number[] = [];
    const r = new Refreshing<number>({
      load: async () => {
        starts.push(clock);
        throw new Error('503');
      },
      timing: { maxAge: defaults.keys.maxAge, retryInterval, cooldown },
      now: () => clock,
    });
    r.start();
    await run(MINUTE, 50, () => {
      for (let i = 0; i < 10; i++) r.get().catch(() => {});
    });
    r.stop();
    assert.ok(starts.length <= worstCaseNeverLoaded(retryInterval), `${starts.length} fetches`);
    const gaps = starts.slice(1).map((s, i) => s - starts[i]!);
    assert.ok(
      gaps.every((g) => g <= retryInterval + 50),
      `gaps ${gaps.join()}`,
    );
  });

  it('loaded, then failing: one fetch per cooldown, timer included', async () => {
    let fail = false;
    const starts: number[] = [];
    const r = new Refreshing<number>({
      load: async () => {
        starts.push(clock);
        if (fail) throw new Error('503');
        return 1;
      },
      timing: { maxAge: 1000, retryInterval, cooldown },
      now: () => clock,
    });
    r.start();
    await run(50, 50, () => {});
    fail = true;
    await run(MINUTE - 50, 50, () => {
      for (let i = 0; i < 10; i++) {
        r.peek();
        r.reload().catch(() => {});
      }
    });
    r.stop();
    assert.equal(r.value, 1, 'stale-if-error');
    assert.ok(
      starts.length <= worstCaseLoaded(cooldown),
      `${starts.length} fetches, from ${starts.slice(0, 5).join()}`,
    );
    const gaps = starts.slice(2).map((s, i) => s - starts[i + 1]!);
    assert.ok(
      gaps.every((g) => g >= cooldown),
      `gaps ${gaps.join()}`,
    );
  });
});
