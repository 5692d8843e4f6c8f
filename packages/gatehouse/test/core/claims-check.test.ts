import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { JWTPayload } from 'jose';
import { audienceAccepted, checkAudience, checkClaims } from '../../src/core/claims-check.ts';
import { GatehouseError } from '../../src/core/errors.ts';

const NOW = 1_700_000_000;
const ISSUER = 'https://issuer.example';

function expectations(audience: readonly string[] | undefined) {
  return { issuer: ISSUER, audience, clockTolerance: 60, maxTokenAge: 86_400, now: NOW };
}

function refusedWith(code: string, claim: string) {
  return (e: unknown) => {
    assert.ok(e instanceof GatehouseError, String(e));
    assert.equal(e.code, code, e.detail);
    assert.equal(e.claim, claim);
    return true;
  };
}

const valid: JWTPayload = { iss: ISSUER, aud: 'api://a', exp: NOW + 600, iat: NOW, nbf: NOW };

describe('audience: one rule, under whatever claim the issuer puts it', () => {
  it('accepts a string or an array holding one accepted value, under aud or any other claim', () => {
    assert.equal(audienceAccepted({ aud: 'api://a' }, 'aud', ['api://a']), true);
    assert.equal(audienceAccepted({ aud: ['x', 'api://b'] }, 'aud', ['api://a', 'api://b']), true);
    assert.equal(audienceAccepted({ client_id: 'app-1' }, 'client_id', ['app-1']), true);
    assert.equal(audienceAccepted({ client_id: ['app-1'] }, 'client_id', ['app-1']), true);
  });

  it('refuses a missing claim, other values, and values that are not strings', () => {
    assert.equal(audienceAccepted({}, 'aud', ['api://a']), false);
    assert.equal(audienceAccepted({ aud: 'api://other' }, 'aud', ['api://a']), false);
    assert.equal(audienceAccepted({ client_id: [['app-1']] }, 'client_id', ['app-1']), false);
    assert.equal(audienceAccepted({ aud: 'app-1' }, 'client_id', ['app-1']), false);
  });

  it('checkAudience throws ERR_TOKEN_AUDIENCE naming the claim it read', () => {
    assert.throws(
      () => checkAudience({ aud: 'api://other' }, 'aud', ['api://a']),
      refusedWith('ERR_TOKEN_AUDIENCE', 'aud'),
    );
    assert.throws(
      () => checkAudience({ client_id: 'app-2' }, 'client_id', ['app-1']),
      refusedWith('ERR_TOKEN_AUDIENCE', 'client_id'),
    );
    checkAudience({ client_id: 'app-1' }, 'client_id', ['app-1']);
  });

  it('checkClaims applies the aud rule when given an audience, and leaves it to the caller when not', () => {
    assert.throws(
      () => checkClaims({ ...valid, aud: 'api://other' }, expectations(['api://a'])),
      refusedWith('ERR_TOKEN_AUDIENCE', 'aud'),
    );
    checkClaims({ ...valid, aud: 'api://other' }, expectations(undefined));
  });
});

describe('checkClaims: the registered-claim rules of an access token', () => {
  it('accepts a token meeting every rule', () => {
    checkClaims(valid, expectations(['api://a']));
  });

  it('requires iss to be exactly the trusted issuer', () => {
    assert.throws(
      () => checkClaims({ ...valid, iss: `${ISSUER}/` }, expectations(['api://a'])),
      refusedWith('ERR_TOKEN_ISSUER', 'iss'),
    );
  });

  it('requires exp, and numeric times', () => {
    const { exp: _, ...noExp } = valid;
    assert.throws(() => checkClaims(noExp, expectations(['api://a'])), refusedWith('ERR_TOKEN_CLAIM', 'exp'));
    assert.throws(
      () => checkClaims({ ...valid, nbf: Infinity }, expectations(['api://a'])),
      refusedWith('ERR_TOKEN_CLAIM', 'nbf'),
    );
  });

  it('judges exp, nbf and iat within the clock tolerance', () => {
    checkClaims({ ...valid, exp: NOW - 59 }, expectations(['api://a']));
    assert.throws(
      () => checkClaims({ ...valid, exp: NOW - 60 }, expectations(['api://a'])),
      refusedWith('ERR_TOKEN_EXPIRED', 'exp'),
    );
    assert.throws(
      () => checkClaims({ ...valid, nbf: NOW + 61 }, expectations(['api://a'])),
      refusedWith('ERR_TOKEN_NOT_YET_VALID', 'nbf'),
    );
    assert.throws(
      () => checkClaims({ ...valid, iat: NOW + 61 }, expectations(['api://a'])),
      refusedWith('ERR_TOKEN_NOT_YET_VALID', 'iat'),
    );
  });

  it('refuses a lifetime over maxTokenAge', () => {
    assert.throws(
      () => checkClaims({ ...valid, exp: NOW + 86_401 }, expectations(['api://a'])),
      refusedWith('ERR_TOKEN_CLAIM', 'exp'),
    );
  });
});

describe('cnf: a sender constraint is kept only when this API enforces it (RFC 7800, RFC 9449 §6, RFC 8705 §3)', () => {
  const thumbprint = 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs';

  it('a DPoP key thumbprint or a certificate thumbprint, or both, pass', () => {
    for (const cnf of [
      { jkt: thumbprint },
      { 'x5t#S256': thumbprint },
      { jkt: thumbprint, 'x5t#S256': thumbprint },
    ])
      checkClaims({ ...valid, cnf }, expectations(['api://a']));
  });

  it('any other confirmation method, an empty or malformed one is ERR_TOKEN_CLAIM on cnf', () => {
    for (const cnf of [
      { jwk: { kty: 'EC' } },
      { kid: 'pop-key' },
      { jkt: thumbprint, jwk: { kty: 'EC' } },
      {},
      { jkt: '' },
      { jkt: `${thumbprint}=` },
      { 'x5t#S256': 42 },
      [thumbprint],
      'jkt',
      null,
    ])
      assert.throws(
        () => checkClaims({ ...valid, cnf }, expectations(['api://a'])),
        refusedWith('ERR_TOKEN_CLAIM', 'cnf'),
      );
  });
});
