/**
 * The library refuses tokens with neither scopes nor app permissions unless a route allows them.
 * Provider-shaped tokens from the dev IdP must pass that default through what the preset maps
 * (Auth0 `permissions`, Keycloak `realm_access.roles`), not the raw `scp`/`roles` claims they lack.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { createGatehouse, type GatehouseOptions } from 'gatehouse-auth';
import { protect } from 'gatehouse-auth/node';
import { auth0, keycloak } from 'gatehouse-auth/providers';
import { decodeJwt } from 'jose';
import { DEV_AUTH0, DEV_KEYCLOAK, getAppToken, getUserToken } from '../src/index.ts';
import { originOf, startTestIdp } from './helpers.ts';

/** A node:http server whose one route has no requirement: the library's default alone decides. */
async function serveDefaultRoute(
  t: import('node:test').TestContext,
  options: GatehouseOptions,
): Promise<(token: string) => Promise<number>> {
  const gatehouse = createGatehouse(options);
  gatehouse.start();
  const server = createServer(
    protect(gatehouse, {}, (_req, res, principal) => {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(principal?.subject));
    }),
  );
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(async () => {
    server.closeAllConnections();
    server.close();
    gatehouse.close();
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  return async (token) => (await fetch(url, { headers: { authorization: `Bearer ${token}` } })).status;
}

test('auth0-shaped tokens (scope + permissions, no scp or roles) pass a route with no requirement', async (t) => {
  const idp = await startTestIdp(t, { profile: 'auth0' });
  const call = await serveDefaultRoute(
    t,
    auth0({ domain: 'gatehouse-dev.auth0.invalid', audience: DEV_AUTH0.audience, instance: originOf(idp) }),
  );
  const user = (await getUserToken({ issuer: idp.issuer, user: 'bob' })).accessToken;
  const claims = decodeJwt(user);
  assert.equal(claims.scp, undefined);
  assert.equal(claims.roles, undefined);
  assert.equal(await call(user), 200);
  assert.equal(await call((await getAppToken({ issuer: idp.issuer })).accessToken), 200);
});

test('keycloak-shaped tokens (realm_access.roles, no scp or roles) pass a route with no requirement', async (t) => {
  const idp = await startTestIdp(t, { profile: 'keycloak' });
  const call = await serveDefaultRoute(
    t,
    keycloak({ url: originOf(idp), realm: DEV_KEYCLOAK.realm, clientId: DEV_KEYCLOAK.clientId }),
  );
  const user = (await getUserToken({ issuer: idp.issuer, user: 'alice' })).accessToken;
  const claims = decodeJwt(user);
  assert.equal(claims.scp, undefined);
  assert.equal(claims.roles, undefined);
  assert.equal(await call(user), 200);
  const app = (await getAppToken({ issuer: idp.issuer })).accessToken;
  assert.equal(decodeJwt(app).roles, undefined);
  assert.equal(await call(app), 200);
});
