import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BoundedMap } from '../../src/core/bounded-map.ts';

describe('BoundedMap: a memo that a flood of made-up keys cannot grow', () => {
  it('never holds more than its bound, and drops the oldest entry first', () => {
    const map = new BoundedMap<string, number>(3);
    for (const [n, key] of ['a', 'b', 'c', 'd'].entries()) map.set(key, n);
    assert.equal(map.size, 3);
    assert.equal(map.has('a'), false);
    assert.deepEqual(
      ['b', 'c', 'd'].map((key) => map.get(key)),
      [1, 2, 3],
    );
  });

  it('replacing a held key drops nothing', () => {
    const map = new BoundedMap<string, number>(2);
    map.set('a', 1);
    map.set('b', 2);
    map.set('a', 3);
    assert.equal(map.size, 2);
    assert.equal(map.get('a'), 3);
    assert.equal(map.get('b'), 2);
  });

  it('keeps an undefined value apart from an absent key', () => {
    const map = new BoundedMap<string, string | undefined>(2);
    map.set('unparsable', undefined);
    assert.equal(map.has('unparsable'), true);
    assert.equal(map.has('other'), false);
  });
});
