import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createGatehouse, requireScopes } from 'gatehouse-auth';
import { auth0, keycloak, namespacedClaim } from 'gatehouse-auth/providers';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { auth0UserId, DEV_AUTH0, DEV_USERS, DevIdpError, getAppToken, getUserToken } from '../src/index.ts';
import { discover } from '../src/token-client.ts';
import { assertRefused, originOf, startTestIdp, verifyWith } from './helpers.ts';

const alice = DEV_USERS.find((user) => user.username === 'alice')!;
const bob = DEV_USERS.find((user) => user.username === 'bob')!;

function preset(instance: string, audience: string = DEV_AUTH0.audience) {
  return auth0({ domain: 'gatehouse-dev.auth0.invalid', audience, instance });
}

test('auth0: issuer with its trailing slash, Auth0’s endpoint paths', async (t) => {
  const idp = await startTestIdp(t, { profile: 'auth0' });
  const origin = originOf(idp);
  assert.equal(idp.issuer, `${origin}/`);
  const metadata = await discover(idp.issuer);
  assert.equal(metadata.issuer, `${origin}/`);
  assert.equal(metadata.authorization_endpoint, `${origin}/authorize`);
  assert.equal(metadata.token_endpoint, `${origin}/oauth/token`);
  // Where Auth0's timesheets tutorial points jwks-rsa: https://${domain}/.well-known/jwks.json
  assert.equal(metadata.jwks_uri, `${origin}/.well-known/jwks.json`);
});

test('auth0: a user token carries scope, RBAC permissions, azp and the namespaced email; the preset accepts it', async (t) => {
  const idp = await startTestIdp(t, { profile: 'auth0' });
  const token = await getUserToken({ issuer: idp.issuer, user: 'alice', scope: 'read:timesheets' });
  assert.equal(decodeProtectedHeader(token.accessToken).typ, 'JWT');
  const claims = decodeJwt(token.accessToken);
  assert.equal(claims.iss, idp.issuer);
  assert.equal(claims.sub, auth0UserId(alice));
  assert.match(String(claims.sub), /^auth0\|[0-9a-f]{24}$/);
  assert.deepEqual(claims.aud, [DEV_AUTH0.audience, `${idp.issuer}userinfo`]);
  assert.equal(claims.scope, 'openid profile email read:timesheets');
  assert.deepEqual(claims.permissions, DEV_AUTH0.userPermissions.alice);
  assert.equal(claims.azp, 'todo-cli');
  assert.equal(claims[`${DEV_AUTH0.namespace}email`], alice.email);

  const principal = await verifyWith(preset(originOf(idp)), token.accessToken);
  assert.equal(principal.subject, auth0UserId(alice));
  assert.equal(principal.clientId, 'todo-cli');
  assert.equal(namespacedClaim(principal.claims, DEV_AUTH0.namespace, 'email'), alice.email);
  // The preset reads scope and permissions both.
  assert.ok(principal.scopes.includes('read:timesheets'));
  assert.ok(principal.scopes.includes('create:timesheets'));
});

test('auth0: RBAC limits scope to the user’s permissions; an unknown audience is refused at sign-in', async (t) => {
  const idp = await startTestIdp(t, { profile: 'auth0' });
  const token = await getUserToken({ issuer: idp.issuer, user: 'bob' });
  const claims = decodeJwt(token.accessToken);
  assert.equal(claims.sub, auth0UserId(bob));
  assert.equal(claims.scope, 'openid profile email read:timesheets create:timesheets');
  assert.deepEqual(claims.permissions, DEV_AUTH0.userPermissions.bob);
  const gatehouse = createGatehouse(preset(originOf(idp)));
  t.after(() => gatehouse.close());
  const principal = await gatehouse.verify(token.accessToken);
  assert.throws(() => gatehouse.authorize(principal, [requireScopes(['approve:timesheets'])]), {
    code: 'ERR_INSUFFICIENT_SCOPE',
  });

  const { authorization_endpoint } = await discover(idp.issuer);
  const wrong = new URL(authorization_endpoint);
  wrong.search = new URLSearchParams({
    client_id: 'todo-cli',
    response_type: 'code',
    redirect_uri: 'http://127.0.0.1/callback',
    scope: 'openid read:timesheets',
    audience: 'https://api.example.com/other',
    code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    code_challenge_method: 'S256',
  }).toString();
  const answer = new URL((await fetch(wrong, { redirect: 'manual' })).headers.get('location') ?? '');
  assert.equal(answer.searchParams.get('error'), 'invalid_target');
});

test('auth0: client credentials give an M2M token (gty, sub @clients) the preset reads as an app', async (t) => {
  const idp = await startTestIdp(t, { profile: 'auth0' });
  const token = await getAppToken({ issuer: idp.issuer });
  const claims = decodeJwt(token.accessToken);
  assert.equal(claims.sub, 'todo-daemon@clients');
  assert.equal(claims.gty, 'client-credentials');
  assert.equal(claims.aud, DEV_AUTH0.audience);
  assert.equal(claims.scope, 'read:timesheets create:timesheets');
  const principal = await verifyWith(preset(originOf(idp)), token.accessToken);
  assert.equal(principal.isApp, true);
  assert.equal(principal.clientId, 'todo-daemon');

  const narrowed = await getAppToken({ issuer: idp.issuer, scope: 'read:timesheets' });
  assert.equal(decodeJwt(narrowed.accessToken).scope, 'read:timesheets');
  await assert.rejects(
    getAppToken({ issuer: idp.issuer, clientSecret: 'wrong' }),
    (error) => error instanceof DevIdpError && error.error === 'invalid_client',
  );
});

test('auth0: tokens are refused by a mismatching configuration', async (t) => {
  const idp = await startTestIdp(t, { profile: 'auth0' });
  const origin = originOf(idp);
  const { accessToken } = await getUserToken({ issuer: idp.issuer, user: 'alice' });
  await assertRefused(preset(origin, 'https://api.exampleco.com/other'), accessToken, 'ERR_TOKEN_AUDIENCE');
  // The right keys, so that what is refused is the issuer.
  const jwksUri = `${origin}/.well-known/jwks.json`;
  await assertRefused(
    keycloak({ url: origin, realm: 'gatehouse', clientId: DEV_AUTH0.audience, jwksUri }),
    accessToken,
    'ERR_TOKEN_ISSUER',
  );
  // Auth0's issuer is exactly `${origin}/`: without the slash it is another issuer.
  await assertRefused(
    { issuer: origin, jwksUri, audience: DEV_AUTH0.audience },
    accessToken,
    'ERR_TOKEN_ISSUER',
  );
});
