import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeJwt } from 'jose';
import {
  DEV_CLIENT_IDS,
  DEV_TENANT_ID,
  DEV_USERS,
  DevIdpError,
  getUserToken,
  refreshUserToken,
} from '../src/index.ts';
import { discover } from '../src/token-client.ts';
import { startTestIdp, verifyAccessToken } from './helpers.ts';

test('alice signs in through the login form and gets both delegated scopes', async (t) => {
  const idp = await startTestIdp(t);
  const token = await getUserToken({ issuer: idp.issuer, user: 'alice' });
  assert.ok(token.refreshToken);
  assert.ok(token.idToken);

  const { payload } = await verifyAccessToken(token.accessToken, idp.issuer);
  const alice = DEV_USERS.find((user) => user.username === 'alice');
  assert.equal(payload.scp, 'ToDoList.Read ToDoList.ReadWrite', 'only API scopes, no openid/offline_access');
  assert.equal(payload.oid, alice?.oid);
  assert.equal(payload.sub, alice?.sub);
  assert.equal(payload.idtyp, 'user');
  assert.equal(payload.tid, DEV_TENANT_ID);
  assert.equal(payload.azp, DEV_CLIENT_IDS.cli);
  assert.equal(payload.ver, '2.0');
  assert.equal(payload.roles, undefined);
  assert.equal(payload.scope, undefined);

  const bob = await getUserToken({ issuer: idp.issuer, user: 'bob' });
  const bobOid = (await verifyAccessToken(bob.accessToken, idp.issuer)).payload.oid;
  assert.notEqual(bobOid, payload.oid);
});

test('a narrower scope gives only that scope', async (t) => {
  const idp = await startTestIdp(t);
  const token = await getUserToken({ issuer: idp.issuer, user: 'alice', scope: 'ToDoList.Read' });
  assert.equal((await verifyAccessToken(token.accessToken, idp.issuer)).payload.scp, 'ToDoList.Read');
});

test('Entra-style scopes without a resource parameter map to api://todo', async (t) => {
  const idp = await startTestIdp(t);
  const token = await getUserToken({ issuer: idp.issuer, user: 'bob', scope: 'api://todo/ToDoList.Read' });
  assert.equal((await verifyAccessToken(token.accessToken, idp.issuer)).payload.scp, 'ToDoList.Read');

  // MSAL repeats the scopes, offline_access included, when it refreshes.
  assert.ok(token.refreshToken);
  const refreshed = await refreshUserToken({
    issuer: idp.issuer,
    refreshToken: token.refreshToken,
    scope: 'openid api://todo/ToDoList.Read offline_access',
  });
  assert.equal(refreshed.scope, 'api://todo/ToDoList.Read');
  assert.equal((await verifyAccessToken(refreshed.accessToken, idp.issuer)).payload.scp, 'ToDoList.Read');
});

test('the refresh token grant works for the todo-web client', async (t) => {
  const idp = await startTestIdp(t, { webPort: 4555 });
  const redirectUri = 'http://localhost:4555/auth/callback';
  const first = await getUserToken({ issuer: idp.issuer, user: 'bob', clientId: 'todo-web', redirectUri });
  assert.ok(first.refreshToken);

  const second = await refreshUserToken({
    issuer: idp.issuer,
    refreshToken: first.refreshToken,
    clientId: 'todo-web',
  });
  const { payload } = await verifyAccessToken(second.accessToken, idp.issuer);
  assert.equal(payload.azp, 'todo-web');
  assert.equal(payload.scp, 'ToDoList.Read ToDoList.ReadWrite');
  assert.equal(payload.oid, decodeJwt(first.accessToken).oid);
  // Public clients get a new refresh token each time; the used one is spent.
  assert.ok(second.refreshToken);
  assert.notEqual(second.refreshToken, first.refreshToken);
  await assert.rejects(
    refreshUserToken({ issuer: idp.issuer, refreshToken: first.refreshToken, clientId: 'todo-web' }),
    (error) => error instanceof DevIdpError && error.error === 'invalid_grant',
  );
});

test('redirect URIs follow the configured ports', async (t) => {
  const idp = await startTestIdp(t, { webPort: 4556 });
  await assert.rejects(
    getUserToken({
      issuer: idp.issuer,
      user: 'alice',
      clientId: 'todo-web',
      redirectUri: 'http://localhost:3002/auth/callback',
    }),
    (error) => error instanceof DevIdpError && error.code === 'ERR_DEV_IDP_SIGN_IN' && error.status === 400,
  );
});

test('an unknown user is refused at the login form', async (t) => {
  const idp = await startTestIdp(t);
  await assert.rejects(getUserToken({ issuer: idp.issuer, user: 'mallory' }), (error) => {
    assert.ok(error instanceof DevIdpError);
    assert.equal(error.code, 'ERR_DEV_IDP_SIGN_IN');
    assert.equal(error.status, 401);
    return true;
  });
});

test('the login page is a real form that posts, and end-session answers', async (t) => {
  const idp = await startTestIdp(t);
  const metadata = await discover(idp.issuer);
  const authorize = new URL(metadata.authorization_endpoint);
  authorize.search = new URLSearchParams({
    client_id: 'todo-cli',
    response_type: 'code',
    redirect_uri: 'http://127.0.0.1/callback',
    scope: 'openid',
    code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    code_challenge_method: 'S256',
  }).toString();
  const start = await fetch(authorize, { redirect: 'manual' });
  assert.equal(start.status, 303);
  const cookie = start.headers
    .getSetCookie()
    .map((value) => value.split(';')[0])
    .join('; ');
  const page = await fetch(new URL(start.headers.get('location') ?? '', authorize), { headers: { cookie } });
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'none'/);
  const html = await page.text();
  assert.match(html, /<form method="post" action="\/interaction\/[^"]+\/login"/);
  assert.match(html, /name="login"/);

  const endSession = await fetch(metadata.end_session_endpoint ?? '');
  assert.equal(endSession.status, 200);
  assert.match(await endSession.text(), /action="[^"]*\/session\/end\/confirm"/);
});
