/** The default replay store under a busy instance's load: compact records, expiry by generation. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { seenDigest } from '../../src/core/dpop/replay.ts';
import { MemoryReplayStore } from '../../src/index.ts';

/** A record id as the gate makes it: SHA-256, base64url, of the key thumbprint and the jti. */
const id = (n: number) => createHash('sha256').update(`jkt:${n}`).digest('base64url');
/** The default window: 60 s of iat, 60 s of clock tolerance, 1 s of rounding. */
const WINDOW = 121_000;

describe('MemoryReplayStore at a busy instance’s rate (RFC 9449 §11.1)', () => {
  it('keeps 5,000 proofs a second for a whole window (past the old 200,000-record limit) in under 40 bytes each', () => {
    let now = 1_700_000_000_000;
    const store = new MemoryReplayStore({ clock: () => now });
    const perSecond = 5_000;
    const seconds = 62; // 310,000 live records
    for (let second = 0; second < seconds; second++, now += 1000)
      for (let i = 0; i < perSecond; i++)
        assert.equal(store.seen(id(second * perSecond + i), now + WINDOW), false);
    assert.equal(store.size, perSecond * seconds);
    assert.ok(store.byteLength / store.size < 40, `${store.byteLength / store.size} bytes a record`);
    for (const n of [0, 1, 154_321, perSecond * seconds - 1])
      assert.equal(store.seen(id(n), now + WINDOW), true, `record ${n} is still known`);
  });

  it('drops whole generations once every record in them has expired', () => {
    let now = 1_700_000_000_000;
    const store = new MemoryReplayStore({ clock: () => now });
    for (let n = 0; n < 20_000; n++) store.seen(id(n), now + WINDOW);
    // A generation spans 30 s of expiries: one span after the last expiry, all of them are gone.
    now += WINDOW + 30_000;
    assert.equal(store.seen(id(20_000), now + WINDOW), false);
    assert.equal(store.size, 1);
    assert.equal(store.seen(id(0), now + WINDOW), false, 'an expired id may be recorded again');
  });

  it('an expired record is renewed in place, and records expire to the millisecond', () => {
    let now = 1_000_000;
    const store = new MemoryReplayStore({ clock: () => now });
    assert.equal(store.seen('a', now + 500), false);
    now += 499;
    assert.equal(store.seen('a', now + 500), true);
    now += 1;
    assert.equal(store.seen('a', now + 500), false);
    assert.equal(store.size, 1);
  });

  it('ids of any length take the same room: only a 96-bit fingerprint of each is kept', () => {
    const now = 0;
    const short = new MemoryReplayStore({ clock: () => now });
    const long = new MemoryReplayStore({ clock: () => now });
    for (let n = 0; n < 5_000; n++) {
      short.seen(`${n}`, 60_000);
      long.seen(`${'x'.repeat(1_000)}${n}`, 60_000);
    }
    assert.equal(long.byteLength, short.byteLength);
  });

  it('full of live records spread over several generations, it refuses (fail closed) until some expire', () => {
    let now = 0;
    const store = new MemoryReplayStore({ maxEntries: 1_000, clock: () => now });
    for (let n = 0; n < 1_000; n++) store.seen(`id${n}`, 1_000 + n * 100); // expiries 1 s to 101 s
    assert.throws(() => store.seen('one more', 120_000), /full/);
    assert.equal(store.seen('id999', 120_000), true, 'a live record is never forgotten');
    now = 1_050; // the first record has expired, in a generation that has not
    assert.equal(store.seen('one more', 120_000), false);
    assert.equal(store.size, 1_000);
  });

  it('full, it refuses at the cost of a refusal: no rebuild of every table on each request', () => {
    // One client with a valid token can fill the store (at dpop.iatWindow 600, 2,800 proofs a
    // second); each request after that rebuilt every table before its 503, 0.2 s at the default
    // size: the event loop, Bearer requests included, stalled.
    let now = 1_700_000_000_000;
    const store = new MemoryReplayStore({ maxEntries: 200_000, clock: () => now });
    for (let n = 0; n < 200_000; n++) store.seen(id(n), now + 1_000 + (n % 120) * 1_000);
    const started = performance.now();
    for (let n = 0; n < 100; n++) assert.throws(() => store.seen(`more${n}`, now + WINDOW), /full/);
    const elapsed = performance.now() - started;
    assert.ok(elapsed < 200, `100 refusals took ${Math.round(elapsed)} ms`);
    // Once records expire, room is made again (a second later at most), and live ones are kept.
    now += 2_500;
    assert.equal(store.seen('after expiry', now + WINDOW), false);
    assert.equal(store.seen(id(119), now + WINDOW), true, 'a live record is never forgotten');
  });

  it('refuses an expiry that is not a finite number (the gate then answers 503)', () => {
    const store = new MemoryReplayStore();
    assert.throws(() => store.seen('a', Number.NaN), TypeError);
    assert.throws(() => store.seen('a', Number.POSITIVE_INFINITY), TypeError);
  });
});

describe('what the gate hands a replay store', () => {
  const digest = (jkt: string, jti: string) => createHash('sha256').update(`${jkt}:${jti}`).digest('binary');

  it('a shared store (Redis, or any other) gets the SHA-256 of thumbprint and jti, base64url, as before', async () => {
    const ids: string[] = [];
    const store = {
      seen(recorded: string) {
        ids.push(recorded);
        return false;
      },
    };
    assert.equal(await seenDigest(store, digest('key-a', 'jti-1'), Date.now() + WINDOW), false);
    assert.deepEqual(ids, [createHash('sha256').update('key-a:jti-1').digest('base64url')]);
  });

  it('the memory store takes the digest as its fingerprint: once per key and jti, another key’s jti burns nothing', () => {
    const store = new MemoryReplayStore();
    const expiresAt = Date.now() + WINDOW;
    assert.equal(seenDigest(store, digest('key-a', 'jti-1'), expiresAt), false);
    assert.equal(seenDigest(store, digest('key-a', 'jti-1'), expiresAt), true);
    assert.equal(seenDigest(store, digest('key-b', 'jti-1'), expiresAt), false);
  });

  it('a subclass that wraps seen() is asked through seen(), never around it', () => {
    const asked: string[] = [];
    class Counting extends MemoryReplayStore {
      override seen(recorded: string, expiresAt: number): boolean {
        asked.push(recorded);
        return super.seen(recorded, expiresAt);
      }
    }
    const store = new Counting();
    const expiresAt = Date.now() + WINDOW;
    assert.equal(seenDigest(store, digest('key-a', 'jti-1'), expiresAt), false);
    assert.equal(seenDigest(store, digest('key-a', 'jti-1'), expiresAt), true);
    assert.equal(asked.length, 2);
  });
});
