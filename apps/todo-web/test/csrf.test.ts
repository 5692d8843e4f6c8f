import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { csrfTokenMatches, fromOwnOrigin, newCsrfToken } from '../src/csrf.ts';

describe('csrf', () => {
  it('makes distinct 256-bit tokens', () => {
    const a = newCsrfToken();
    assert.match(a, /^[A-Za-z0-9_-]{43}$/);
    assert.notEqual(a, newCsrfToken());
  });

  it('matches only the exact token', () => {
    const token = newCsrfToken();
    assert.equal(csrfTokenMatches(token, token), true);
    assert.equal(csrfTokenMatches(token, `${token}x`), false);
    assert.equal(csrfTokenMatches(token, token.slice(1)), false);
    assert.equal(csrfTokenMatches(token, token.toUpperCase()), false);
    assert.equal(csrfTokenMatches(token, ''), false);
    assert.equal(csrfTokenMatches(token, undefined), false);
    assert.equal(csrfTokenMatches(token, [token]), false);
    assert.equal(csrfTokenMatches('', ''), false);
  });

  it('refuses foreign or opaque origins and cross-site fetches', () => {
    const own = 'http://localhost:3002';
    assert.equal(fromOwnOrigin({}, own), true);
    assert.equal(fromOwnOrigin({ origin: own, 'sec-fetch-site': 'same-origin' }, own), true);
    assert.equal(fromOwnOrigin({ origin: 'http://localhost:3001' }, own), false);
    assert.equal(fromOwnOrigin({ origin: 'http://127.0.0.1:3002' }, own), false);
    assert.equal(fromOwnOrigin({ origin: 'null' }, own), false);
    assert.equal(fromOwnOrigin({ 'sec-fetch-site': 'cross-site' }, own), false);
    assert.equal(fromOwnOrigin({ 'sec-fetch-site': 'same-site' }, own), false);
  });
});
