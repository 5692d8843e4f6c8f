/**
 * Entra client capabilities (`xms_cc`) and authentication context (`acrs`) through the OpenID
 * Connect `claims` parameter, over HTTP against the real dev IdP (Microsoft's "Claims challenges,
 * claims requests and client capabilities").
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeJwt } from 'jose';
import {
  acceptAccessTokenClaims,
  requestedAuthContexts,
  requestedCapabilities,
} from '../src/client-capabilities.ts';
import { CookieJar } from '../src/cookie-jar.ts';
import {
  CLI_REDIRECT_URI,
  DEV_CLIENT_IDS,
  DevIdpError,
  getUserToken,
  refreshUserToken,
} from '../src/index.ts';
import { discover } from '../src/token-client.ts';
import { authorize } from '../src/user-token.ts';
import { startTestIdp, verifyAccessToken } from './helpers.ts';

const C1 = { access_token: { acrs: { essential: true, value: 'c1' } } };

test('client capabilities: cp1 puts xms_cc in the access token, no claims request leaves it out', async (t) => {
  const idp = await startTestIdp(t);
  const plain = await getUserToken({ issuer: idp.issuer, user: 'alice' });
  const plainClaims = (await verifyAccessToken(plain.accessToken, idp.issuer)).payload;
  assert.equal(plainClaims.xms_cc, undefined);
  assert.equal(plainClaims.acrs, undefined);

  const capable = await getUserToken({ issuer: idp.issuer, user: 'alice', clientCapabilities: ['cp1'] });
  const claims = (await verifyAccessToken(capable.accessToken, idp.issuer)).payload;
  assert.deepEqual(claims.xms_cc, ['cp1']);
  assert.equal(claims.acrs, undefined);
  assert.equal(claims.acr, 'pwd');

  // The same request as MSAL sends it, written out by hand.
  const raw = await getUserToken({
    issuer: idp.issuer,
    user: 'bob',
    claims: '{"access_token":{"xms_cc":{"values":["cp1"]}}}',
  });
  assert.deepEqual((await verifyAccessToken(raw.accessToken, idp.issuer)).payload.xms_cc, ['cp1']);
});

test('authentication context: claims asking for acrs c1 get the stronger sign-in and acrs, kept on refresh', async (t) => {
  const idp = await startTestIdp(t);
  const token = await getUserToken({
    issuer: idp.issuer,
    user: 'alice',
    claims: C1,
    clientCapabilities: ['cp1'],
  });
  const claims = (await verifyAccessToken(token.accessToken, idp.issuer)).payload;
  assert.deepEqual(claims.acrs, ['c1']);
  assert.deepEqual(claims.xms_cc, ['cp1']);
  assert.equal(claims.acr, 'mfa');
  assert.deepEqual(claims.amr, ['pwd', 'otp', 'mfa']);

  assert.ok(token.refreshToken, 'the CLI client gets a refresh token');
  const refreshed = await refreshUserToken({
    issuer: idp.issuer,
    clientId: DEV_CLIENT_IDS.cli,
    refreshToken: token.refreshToken,
  });
  const again = (await verifyAccessToken(refreshed.accessToken, idp.issuer)).payload;
  assert.deepEqual(again.acrs, ['c1']);
  assert.deepEqual(again.xms_cc, ['cp1']);
});

test('claims requests: unknown values are ignored, text that is not JSON is refused', async (t) => {
  const idp = await startTestIdp(t);
  const odd = await getUserToken({
    issuer: idp.issuer,
    user: 'alice',
    claims: {
      access_token: { acrs: { values: ['c100', 'mfa', 'c0', 7] }, xms_cc: { values: 'cp1' } },
    },
  });
  const claims = (await verifyAccessToken(odd.accessToken, idp.issuer)).payload;
  assert.equal(claims.acrs, undefined);
  assert.equal(claims.xms_cc, undefined);
  assert.equal(claims.acr, 'pwd');

  const refused = await getUserToken({ issuer: idp.issuer, user: 'alice', claims: '{"access_token":' }).then(
    () => assert.fail('a malformed claims parameter was accepted'),
    (error: unknown) => error,
  );
  assert.ok(refused instanceof DevIdpError);
  assert.equal(refused.error, 'invalid_request');
});

test('claims request parsing keeps to c1..c99 and cp1, and adds an empty id_token only when needed', () => {
  assert.deepEqual(requestedAuthContexts('{"access_token":{"acrs":{"value":"c99","values":["c1","c99"]}}}'), [
    'c99',
    'c1',
  ]);
  assert.deepEqual(requestedAuthContexts('{"access_token":{"acrs":{"value":"c01"}}}'), []);
  assert.deepEqual(requestedAuthContexts('not json'), []);
  assert.deepEqual(requestedAuthContexts('{"access_token":[1]}'), []);
  assert.deepEqual(requestedCapabilities({ access_token: { xms_cc: { values: ['cp2', 'cp1'] } } }), ['cp1']);
  assert.deepEqual(requestedCapabilities({ access_token: { xms_cc: { values: ['cp2'] } } }), []);

  const bare = new URLSearchParams({ claims: '{"access_token":{"xms_cc":{"values":["cp1"]}}}' });
  assert.equal(acceptAccessTokenClaims(bare), true);
  assert.deepEqual(JSON.parse(bare.get('claims') ?? ''), {
    access_token: { xms_cc: { values: ['cp1'] } },
    id_token: {},
  });
  const context = new URLSearchParams({ claims: JSON.stringify(C1) });
  assert.equal(acceptAccessTokenClaims(context), true);
  assert.deepEqual(JSON.parse(context.get('claims') ?? ''), {
    ...C1,
    id_token: { acr: { essential: true, value: 'mfa' } },
  });
  const withIdToken = new URLSearchParams({ claims: '{"id_token":{"acr":null}}' });
  assert.equal(acceptAccessTokenClaims(withIdToken), false);
  assert.equal(withIdToken.get('claims'), '{"id_token":{"acr":null}}');
  assert.equal(acceptAccessTokenClaims(new URLSearchParams({ claims: '[' })), false);
  assert.equal(acceptAccessTokenClaims(new URLSearchParams()), false);
});

test('other profiles accept MSAL’s capabilities request and leave the Entra claims out', async (t) => {
  const idp = await startTestIdp(t, { profile: 'b2c' });
  const token = await getUserToken({
    metadataUrl: idp.metadataUrl,
    user: 'alice',
    clientCapabilities: ['cp1'],
  });
  // Read, not verified: profile-b2c.test.ts verifies these tokens; here only their claims matter.
  const claims = decodeJwt(token.accessToken);
  assert.equal(claims.iss, idp.issuer);
  assert.equal(claims.xms_cc, undefined);
  assert.equal(claims.acrs, undefined);
});

test('authentication context: a password-only browser session is signed in again, not reused', async (t) => {
  const idp = await startTestIdp(t);
  const { authorization_endpoint } = await discover(idp.issuer);
  const redirectUri = new URL(CLI_REDIRECT_URI);
  const start = (claims?: unknown) => {
    const url = new URL(authorization_endpoint);
    const params = {
      client_id: DEV_CLIENT_IDS.cli,
      response_type: 'code',
      redirect_uri: redirectUri.href,
      scope: 'openid ToDoList.Read',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGjSstw-cM',
      code_challenge_method: 'S256',
      ...(claims === undefined ? {} : { claims: JSON.stringify(claims) }),
    };
    for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
    return url;
  };
  const browser = new CookieJar();
  const first = await authorize(start(), redirectUri, 'alice', '', browser);
  assert.ok(first.searchParams.get('code'));
  // The session is reused: no login form, so the unknown user name is never typed.
  const reused = await authorize(start(), redirectUri, 'nobody', '', browser);
  assert.ok(reused.searchParams.get('code'));
  // Asking for c1 brings the login form back (and 'nobody' is refused there).
  const again = await authorize(start(C1), redirectUri, 'nobody', '', browser).then(
    () => assert.fail('the password-only session was reused for an authentication context'),
    (error: unknown) => error,
  );
  assert.ok(again instanceof DevIdpError);
  assert.equal(again.status, 401);
});
