import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { JWTHeaderParameters } from 'jose';
import { GatehouseError } from '../../src/core/errors.ts';
import { checkHeader, HeaderMemo, type HeaderRules, typeAccepted } from '../../src/core/header.ts';
import { b64url } from '../helpers/tokens.ts';

describe('typeAccepted: which typ says "access token"', () => {
  it('lenient: at+jwt, JWT or none, in any case, with or without application/', () => {
    for (const typ of [undefined, 'JWT', 'jwt', 'at+jwt', 'AT+JWT', 'application/at+jwt', 'application/jwt'])
      assert.equal(typeAccepted(typ, false), true, String(typ));
  });

  it('strict (RFC 9068): at+jwt only; JWT and a missing typ are refused', () => {
    assert.equal(typeAccepted('at+jwt', true), true);
    assert.equal(typeAccepted('application/at+jwt', true), true);
    for (const typ of [undefined, 'JWT', 'application/jwt'])
      assert.equal(typeAccepted(typ, true), false, String(typ));
  });

  it('refuses anything but a string, and other media types, either way', () => {
    for (const strict of [false, true]) {
      for (const typ of [['JWT'], 1, null, 'dpop+jwt', 'JOSE', 'at+jwt; charset=utf-8'])
        assert.equal(typeAccepted(typ, strict), false, `${JSON.stringify(typ)} strict=${strict}`);
    }
  });
});

describe('HeaderMemo: a header is parsed and checked once, and only the identical text reuses it', () => {
  const policy: HeaderRules = { algorithms: ['RS256', 'ES256'], strictType: false };
  const token = (header: Record<string, unknown>, payload = 'e30', signature = 'AAAA') =>
    `${b64url(header)}.${payload}.${signature}`;

  it('serves the same frozen header for the same header text, whatever the rest of the token', () => {
    const memo = new HeaderMemo();
    const a = checkHeader(token({ alg: 'RS256', kid: 'k1' }), policy, memo);
    const b = checkHeader(token({ alg: 'RS256', kid: 'k1' }, 'eyJhIjoxfQ', 'BBBB'), policy, memo);
    assert.equal(a, b);
    assert.ok(Object.isFrozen(a));
    assert.equal(memo.size, 1);
    const other = checkHeader(token({ alg: 'RS256', kid: 'k2' }), policy, memo);
    assert.equal(other.kid, 'k2');
    assert.equal(memo.size, 2);
  });

  it('still checks each token’s shape and signature spelling when its header is known', () => {
    const memo = new HeaderMemo();
    checkHeader(token({ alg: 'RS256', kid: 'k1' }), policy, memo);
    // base64url "AAB" leaves spare bits set: a second spelling of the same bytes.
    assert.throws(
      () => checkHeader(token({ alg: 'RS256', kid: 'k1' }, 'e30', 'AAB'), policy, memo),
      /canonical/,
    );
    assert.throws(() => checkHeader(`${token({ alg: 'RS256', kid: 'k1' })}.extra`, policy, memo), /segments/);
  });

  it('keeps no refused header, so each use is refused again', () => {
    const memo = new HeaderMemo();
    for (let i = 0; i < 2; i++) {
      assert.throws(
        () => checkHeader(token({ alg: 'HS256' }), policy, memo),
        (e: unknown) => e instanceof GatehouseError && e.code === 'ERR_TOKEN_ALGORITHM',
      );
    }
    assert.equal(memo.size, 0);
  });

  it('keeps no header holding objects (a jwk member), which freezing would not make immutable', () => {
    const memo = new HeaderMemo();
    const header = checkHeader(token({ alg: 'RS256', jwk: { kty: 'RSA' } }), policy, memo);
    assert.equal((header as JWTHeaderParameters & { jwk: unknown }).jwk !== undefined, true);
    assert.equal(memo.size, 0);
  });

  it('is bounded: a stream of made-up headers never holds more than MAX_ENTRIES', () => {
    const memo = new HeaderMemo();
    for (let i = 0; i < HeaderMemo.MAX_ENTRIES * 3 + 5; i++) {
      checkHeader(token({ alg: 'RS256', kid: `made-up-${i}` }), policy, memo);
      assert.ok(memo.size <= HeaderMemo.MAX_ENTRIES);
    }
  });
});
