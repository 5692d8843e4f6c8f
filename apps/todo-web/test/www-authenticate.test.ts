import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_HEADER_LENGTH, parseChallenges, stepUpChallenge } from '../src/www-authenticate.ts';

/** What the to-do API sends with STEP_UP_ACR=mfa and STEP_UP_MAX_AGE=600. */
const API_CHALLENGE =
  'Bearer realm="api", error="insufficient_user_authentication", ' +
  'error_description="A different authentication level is required", acr_values="mfa", max_age="600", ' +
  'resource_metadata="http://127.0.0.1:3000/.well-known/oauth-protected-resource"';

describe('parseChallenges (RFC 9110 §11.6.1)', () => {
  it('reads auth-params, quoted or not, names case-insensitively, quoted-pairs resolved', () => {
    const parsed = parseChallenges('Bearer Realm = "a \\"b\\" c" ,error=invalid_token');
    assert.equal(parsed?.length, 1);
    assert.equal(parsed?.[0]?.scheme, 'bearer');
    assert.deepEqual(
      [...(parsed?.[0]?.params ?? [])],
      [
        ['realm', 'a "b" c'],
        ['error', 'invalid_token'],
      ],
    );
  });

  it('reads several challenges, token68 and a bare scheme among them', () => {
    const parsed = parseChallenges(
      'Basic dXNlcg==, Bearer realm="api", error="x", DPoP algs="ES256", Negotiate',
    );
    assert.deepEqual(
      parsed?.map((c) => [c.scheme, c.token68, Object.fromEntries(c.params)]),
      [
        ['basic', 'dXNlcg==', {}],
        ['bearer', undefined, { realm: 'api', error: 'x' }],
        ['dpop', undefined, { algs: 'ES256' }],
        ['negotiate', undefined, {}],
      ],
    );
  });

  it('refuses anything outside the grammar as a whole', () => {
    const hostile = [
      '', // no scheme at all gives no challenge, not an error
      'Bearer realm="unterminated',
      'Bearer realm="a" error="missing comma"',
      'Bearer realm="a", realm="b"', // a repeated parameter
      'Bearer REALM="a", realm="b"',
      'Bearer realm=a b',
      'Bearer error="x\u0000y"',
      'Bearer error="caf\u00e9"', // obs-text
      'Bearer error="a\\\u0001"',
      'Bearer realm="a",, "x"',
      'Bearer =x',
      'Bearer ,realm="a"',
      '"Bearer" realm="a"',
      'Bearer realm="a"\r\nSet-Cookie: x=y',
      `Bearer realm="${'a'.repeat(MAX_HEADER_LENGTH)}"`,
    ];
    assert.deepEqual(parseChallenges(hostile[0] as string), []);
    for (const header of hostile.slice(1)) {
      assert.equal(parseChallenges(header), undefined, JSON.stringify(header));
    }
  });

  it('keeps parameter names out of object prototypes', () => {
    const parsed = parseChallenges('Bearer __proto__="x", constructor="y"');
    assert.equal(parsed?.[0]?.params.get('__proto__'), 'x');
    assert.equal(Object.getPrototypeOf({}).x, undefined);
  });
});

describe('stepUpChallenge (RFC 9470)', () => {
  it("reads the to-do API's challenge", () => {
    assert.deepEqual(stepUpChallenge(API_CHALLENGE), { acrValues: ['mfa'], maxAge: 600 });
    assert.deepEqual(
      stepUpChallenge('bearer error="insufficient_user_authentication", acr_values="mfa hwk"'),
      { acrValues: ['mfa', 'hwk'] },
    );
    assert.deepEqual(stepUpChallenge('Bearer error=insufficient_user_authentication, max_age=0'), {
      acrValues: [],
      maxAge: 0,
    });
    // Another scheme's challenge alongside (DPoP) changes nothing.
    assert.deepEqual(stepUpChallenge(`${API_CHALLENGE}, DPoP algs="ES256"`), {
      acrValues: ['mfa'],
      maxAge: 600,
    });
  });

  it('is undefined for other 401s and anything malformed or hostile', () => {
    const refused = [
      null,
      'Bearer realm="api", error="invalid_token"',
      'Bearer realm="api"',
      'Bearer error="insufficient_user_authentication"', // names nothing to ask for
      'DPoP error="insufficient_user_authentication", acr_values="mfa"',
      'Bearer error="insufficient_user_authentication", acr_values="mfa", ' +
        'Bearer error="insufficient_user_authentication", acr_values="pwd"', // two Bearer challenges
      'Bearer error="insufficient_user_authentication", acr_values="mfa", acr_values="pwd"',
      'Bearer error="insufficient_user_authentication", acr_values="mfa  pwd"', // empty value
      'Bearer error="insufficient_user_authentication", acr_values=" mfa"',
      'Bearer error="insufficient_user_authentication", acr_values="m\\"fa"',
      'Bearer error="insufficient_user_authentication", acr_values="mfa&prompt=none"'.replace('&', '\t'),
      `Bearer error="insufficient_user_authentication", acr_values="${'a'.repeat(129)}"`,
      `Bearer error="insufficient_user_authentication", acr_values="${Array(17).fill('a').join(' ')}"`,
      'Bearer error="insufficient_user_authentication", max_age="-1"',
      'Bearer error="insufficient_user_authentication", max_age="1e3"',
      'Bearer error="insufficient_user_authentication", max_age="1234567890"',
      'Bearer error="insufficient_user_authentication", max_age=""',
      'Bearer error="insufficient_user_authentication", acr_values="mfa", max_age="60',
    ];
    for (const header of refused) assert.equal(stepUpChallenge(header), undefined, JSON.stringify(header));
  });
});
