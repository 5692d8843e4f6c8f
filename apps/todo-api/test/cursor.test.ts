import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeCursor, encodeCursor } from '../src/store/cursor.ts';
import { newId } from '../src/store/ids.ts';

describe('page cursors', () => {
  it('round-trips', () => {
    const cursor = { createdAt: '2025-01-31T10:00:00.123Z', id: newId() };
    const encoded = encodeCursor(cursor);
    assert.match(encoded, /^[A-Za-z0-9_-]+$/);
    assert.deepEqual(decodeCursor(encoded), cursor);
  });

  it('refuses anything it did not issue', () => {
    const id = newId();
    const forged = (text: string) => Buffer.from(text).toString('base64url');
    for (const value of [
      '',
      'not base64!',
      forged('2025-01-31T10:00:00.123Z'),
      forged(`yesterday|${id}`),
      forged(`2025-01-31T10:00:00.123Z|' OR 1=1 --`),
      forged(`2025-01-31T10:00:00.123Z|${id}|extra`),
      forged(`2025-13-45T10:00:00.123Z|${id}`),
      `${encodeCursor({ createdAt: '2025-01-31T10:00:00.123Z', id })}A`,
      'A'.repeat(500),
    ]) {
      assert.equal(decodeCursor(value), null, value);
    }
  });
});
