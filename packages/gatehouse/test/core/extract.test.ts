import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { extractBearerToken, GatehouseError, MAX_TOKEN_LENGTH } from '../../src/index.ts';

const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln';

function failure(run: () => unknown): GatehouseError {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof GatehouseError);
    return error;
  }
  assert.fail('did not throw');
}

describe('extractBearerToken: the token comes from the Authorization header only', () => {
  it('reads Bearer with any scheme casing and surrounding spaces', () => {
    for (const value of [`Bearer ${jwt}`, `bearer ${jwt}`, `BEARER ${jwt}`, `  Bearer   ${jwt}  `]) {
      assert.equal(extractBearerToken({ headers: { authorization: value } }), jwt);
    }
  });

  it('reads Web Headers and node rawHeaders alike', () => {
    assert.equal(extractBearerToken({ headers: new Headers({ authorization: `Bearer ${jwt}` }) }), jwt);
    assert.equal(
      extractBearerToken({ headers: {}, rawHeaders: ['Host', 'x', 'AUTHORIZATION', `Bearer ${jwt}`] }),
      jwt,
    );
  });

  it('returns undefined without a header or with another scheme (401 without error)', () => {
    assert.equal(extractBearerToken({ headers: {} }), undefined);
    assert.equal(extractBearerToken({ headers: { authorization: 'Basic dXNlcjpwYXNz' } }), undefined);
    assert.equal(extractBearerToken({ headers: { authorization: `DPoP ${jwt}` } }), undefined);
  });

  it('ignores tokens in other headers, the query string or a body', () => {
    assert.equal(
      extractBearerToken({ headers: { 'x-access-token': jwt, cookie: `access_token=${jwt}` } }),
      undefined,
    );
  });

  it('treats two Authorization headers as a malformed request (400 invalid_request)', () => {
    const raw = failure(() =>
      extractBearerToken({
        headers: {},
        rawHeaders: ['authorization', `Bearer ${jwt}`, 'Authorization', `Bearer ${jwt}`],
      }),
    );
    assert.equal(raw.status, 400);
    assert.equal(raw.bearerError, 'invalid_request');
    const joined = failure(() =>
      extractBearerToken({
        headers: new Headers([
          ['authorization', `Bearer ${jwt}`],
          ['authorization', 'Basic x'],
        ]),
      }),
    );
    assert.equal(joined.status, 400);
    const array = failure(() =>
      extractBearerToken({ headers: { authorization: [`Bearer ${jwt}`, `Bearer ${jwt}`] } }),
    );
    assert.equal(array.status, 400);
  });

  it('treats an empty or oversized Bearer value as an invalid token (401 invalid_token), never echoing it', () => {
    for (const value of ['Bearer', 'Bearer    ', `Bearer ${'a'.repeat(MAX_TOKEN_LENGTH)}.b.c`]) {
      const error = failure(() => extractBearerToken({ headers: { authorization: value } }));
      assert.equal(error.status, 401, value.slice(0, 30));
      assert.equal(error.bearerError, 'invalid_token');
      assert.ok(
        !error.detail.includes('aaaa') && !error.description.includes('aaaa'),
        'never echoes the token',
      );
    }
  });

  it('hands any other Bearer credential to verify, which refuses a non-JWT as malformed (after the cache)', () => {
    for (const value of ['abc', 'a.b', 'a b c', `${jwt}.x`]) {
      assert.equal(extractBearerToken({ headers: { authorization: `Bearer ${value}` } }), value);
    }
  });

  it('splits the scheme on SP/HTAB only: Bearerx and U+00A0 are other schemes', () => {
    assert.equal(extractBearerToken({ headers: { authorization: `Bearerx ${jwt}` } }), undefined);
    assert.equal(extractBearerToken({ headers: { authorization: `Bearer\u00a0${jwt}` } }), undefined);
    assert.equal(extractBearerToken({ headers: { authorization: `\u00a0Bearer ${jwt}` } }), undefined);
    assert.equal(extractBearerToken({ headers: { authorization: `\tBearer\t${jwt}\t` } }), jwt);
  });
});
