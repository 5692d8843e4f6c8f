import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRevokedSessions, newSessionId } from '../src/revoked-sessions.ts';
import { createSessionCodec, openSession } from '../src/session.ts';
import { SECRET, session } from './helpers.ts';

describe('revoked sessions (server-side sign-out records)', () => {
  it('a signed-out session id is refused until its cookie would have expired, then forgotten', () => {
    const clock = { now: 1_000_000 };
    const revoked = createRevokedSessions({ now: () => clock.now });
    const id = newSessionId();
    revoked.revoke(id, clock.now / 1000 + 60);
    assert.equal(revoked.isRevoked(id), true);
    assert.equal(revoked.isRevoked(newSessionId()), false);
    clock.now += 59_000;
    assert.equal(revoked.isRevoked(id), true);
    clock.now += 1_000;
    assert.equal(revoked.isRevoked(id), false, 'the cookie itself has expired by now');
    assert.equal(revoked.size, 0);
  });

  it('memory stays bounded: expired records go first, then the oldest, and the overflow is reported', () => {
    const clock = { now: 1_000_000 };
    const dropped: number[] = [];
    const revoked = createRevokedSessions({
      now: () => clock.now,
      maxEntries: 3,
      onOverflow: (n) => dropped.push(n),
    });
    revoked.revoke('short', clock.now / 1000 + 1);
    for (const id of ['a', 'b']) revoked.revoke(id, clock.now / 1000 + 3600);
    clock.now += 2_000;
    revoked.revoke('c', clock.now / 1000 + 3600);
    assert.equal(revoked.size, 3, 'the expired record made room');
    assert.deepEqual(dropped, []);
    revoked.revoke('d', clock.now / 1000 + 3600);
    assert.equal(revoked.size, 3);
    assert.deepEqual(dropped, [1]);
    assert.equal(revoked.isRevoked('a'), false, 'the oldest live record was dropped');
    for (const id of ['b', 'c', 'd']) assert.equal(revoked.isRevoked(id), true, id);
  });

  it('session ids are 128 random bits, base64url', () => {
    const ids = new Set(Array.from({ length: 1000 }, newSessionId));
    assert.equal(ids.size, 1000);
    for (const id of ids) assert.match(id, /^[A-Za-z0-9_-]{22}$/);
  });
});

describe('session cookies carry their id', () => {
  it('a session sealed without an id is not accepted: it could not be ended on the server', async () => {
    const codec = createSessionCodec([SECRET]);
    const { id, ...rest } = session();
    const sealed = await codec.seal(
      'session',
      {
        name: rest.userName,
        at: rest.accessToken,
        ate: rest.expiresAt,
        csrf: rest.csrf,
        sia: rest.signedInAt,
      },
      60,
    );
    assert.equal(await openSession(codec, sealed), undefined);
    const withId = await codec.seal(
      'session',
      {
        sid: id,
        name: rest.userName,
        at: rest.accessToken,
        ate: rest.expiresAt,
        csrf: rest.csrf,
        sia: rest.signedInAt,
      },
      60,
    );
    assert.equal((await openSession(codec, withId))?.id, id);
  });
});
