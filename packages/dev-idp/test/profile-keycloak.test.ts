import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createGatehouse, requireAppPermissions } from 'gatehouse-auth';
import { auth0, keycloak } from 'gatehouse-auth/providers';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { DEV_KEYCLOAK, DEV_USERS, getAppToken, getUserToken } from '../src/index.ts';
import { discover } from '../src/token-client.ts';
import { assertRefused, originOf, startTestIdp, verifyWith } from './helpers.ts';

const alice = DEV_USERS.find((user) => user.username === 'alice')!;
const { realm, clientId } = DEV_KEYCLOAK;

function preset(url: string, options: { realm?: string; clientId?: string; jwksUri?: string } = {}) {
  return keycloak({
    url,
    realm: options.realm ?? realm,
    clientId: options.clientId ?? clientId,
    ...(options.jwksUri ? { jwksUri: options.jwksUri } : {}),
  });
}

test('keycloak: issuer and endpoints under /realms/{realm}', async (t) => {
  const idp = await startTestIdp(t, { profile: 'keycloak' });
  const base = `${originOf(idp)}/realms/${realm}`;
  assert.equal(idp.issuer, base);
  const metadata = await discover(idp.issuer);
  assert.equal(metadata.issuer, base);
  assert.equal(metadata.authorization_endpoint, `${base}/protocol/openid-connect/auth`);
  assert.equal(metadata.token_endpoint, `${base}/protocol/openid-connect/token`);
  assert.equal(metadata.jwks_uri, `${base}/protocol/openid-connect/certs`);
  assert.equal((await fetch(`${originOf(idp)}/realms/other/.well-known/openid-configuration`)).status, 404);
});

test('keycloak: a user token has realm and client roles and typ Bearer; the preset accepts it', async (t) => {
  const idp = await startTestIdp(t, { profile: 'keycloak' });
  const token = await getUserToken({ issuer: idp.issuer, user: 'alice' });
  assert.equal(decodeProtectedHeader(token.accessToken).typ, 'JWT');
  const claims = decodeJwt(token.accessToken);
  assert.equal(claims.typ, 'Bearer');
  assert.equal(claims.sub, alice.oid);
  assert.equal(claims.azp, 'todo-cli');
  assert.equal(claims.preferred_username, 'alice');
  assert.deepEqual(claims.aud, [clientId, 'account']);
  assert.deepEqual(claims.realm_access, {
    roles: [...DEV_KEYCLOAK.defaultRealmRoles, ...(DEV_KEYCLOAK.userRoles.alice?.realm ?? [])],
  });
  const access = claims.resource_access as Record<string, { roles: string[] }>;
  assert.deepEqual(access[clientId]?.roles, ['todo.read', 'todo.write']);
  assert.equal(claims.scope, 'openid profile email');

  const principal = await verifyWith(preset(originOf(idp)), token.accessToken);
  assert.equal(principal.subject, alice.oid);
  assert.equal(principal.isApp, false);
  for (const role of ['todo.read', 'todo.write', 'todo-admin', 'offline_access']) {
    assert.ok(principal.roles.includes(role), role);
  }
});

test('keycloak: bob holds only todo.read; a service account reads as an app', async (t) => {
  const idp = await startTestIdp(t, { profile: 'keycloak' });
  const gatehouse = createGatehouse(preset(originOf(idp)));
  t.after(() => gatehouse.close());
  const bob = await gatehouse.verify((await getUserToken({ issuer: idp.issuer, user: 'bob' })).accessToken);
  assert.ok(bob.roles.includes('todo.read'));
  assert.throws(() => gatehouse.authorize(bob, [requireAppPermissions(['todo.write'])]), {
    code: 'ERR_INSUFFICIENT_SCOPE',
  });

  const app = await getAppToken({ issuer: idp.issuer });
  const claims = decodeJwt(app.accessToken);
  assert.equal(claims.preferred_username, 'service-account-todo-daemon');
  assert.equal(claims.client_id, 'todo-daemon');
  // Current Keycloak's service_account client scope: the client is also azp, with its host and address.
  assert.equal(claims.azp, 'todo-daemon');
  assert.equal(typeof claims.clientHost, 'string');
  assert.equal(typeof claims.clientAddress, 'string');
  const daemon = await gatehouse.verify(app.accessToken);
  assert.equal(daemon.isApp, true);
  assert.ok(daemon.roles.includes('todo.write'));
});

test('keycloak: tokens are refused by a mismatching configuration', async (t) => {
  const idp = await startTestIdp(t, { profile: 'keycloak' });
  const origin = originOf(idp);
  const { accessToken } = await getUserToken({ issuer: idp.issuer, user: 'alice' });
  // The right keys, so that what is refused is the issuer.
  const { jwks_uri: jwksUri } = await discover(idp.issuer);
  await assertRefused(preset(origin, { realm: 'other', jwksUri }), accessToken, 'ERR_TOKEN_ISSUER');
  await assertRefused(preset(origin, { clientId: 'other-api' }), accessToken, 'ERR_TOKEN_AUDIENCE');
  await assertRefused(
    auth0({ domain: 'x.auth0.invalid', audience: clientId, instance: origin, jwksUri }),
    accessToken,
    'ERR_TOKEN_ISSUER',
  );
});
