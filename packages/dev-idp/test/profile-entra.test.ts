import assert from 'node:assert/strict';
import { test } from 'node:test';
import { entra } from 'gatehouse-auth/providers';
import {
  API_RESOURCE,
  APP_ROLES,
  DEV_TENANT_ID,
  DEV_USERS,
  getAppToken,
  getUserToken,
} from '../src/index.ts';
import { discover } from '../src/token-client.ts';
import { assertRefused, originOf, startTestIdp, verifyWith } from './helpers.ts';

const alice = DEV_USERS.find((user) => user.username === 'alice');

test('entra: the default issuer is unchanged, and Entra’s tenant layout is served beside it', async (t) => {
  const idp = await startTestIdp(t);
  const origin = originOf(idp);
  assert.equal(idp.profile, 'entra');
  assert.equal(idp.issuer, origin);
  assert.deepEqual(
    idp.authorities.map(({ id, issuer }) => [id, issuer]),
    [
      ['default', origin],
      ['tenant', `${origin}/${DEV_TENANT_ID}/v2.0`],
    ],
  );
  const tenant = await discover(`${origin}/${DEV_TENANT_ID}/v2.0`);
  assert.equal(tenant.issuer, `${origin}/${DEV_TENANT_ID}/v2.0`);
  assert.equal(tenant.authorization_endpoint, `${origin}/${DEV_TENANT_ID}/oauth2/v2.0/authorize`);
  assert.equal(tenant.token_endpoint, `${origin}/${DEV_TENANT_ID}/oauth2/v2.0/token`);
  assert.equal(tenant.jwks_uri, `${origin}/${DEV_TENANT_ID}/discovery/v2.0/keys`);
});

test('entra: Gatehouse’s entra preset, pointed at the dev IdP, accepts its user and app tokens', async (t) => {
  const idp = await startTestIdp(t);
  const preset = entra({ tenantId: DEV_TENANT_ID, clientId: API_RESOURCE, instance: originOf(idp) });
  const metadataUrl = idp.authorities[1]?.metadataUrl;

  const user = await getUserToken({ metadataUrl, user: 'alice', scope: 'ToDoList.Read' });
  const principal = await verifyWith(preset, user.accessToken);
  assert.equal(principal.subject, alice?.oid);
  assert.equal(principal.tenant, DEV_TENANT_ID);
  assert.deepEqual(principal.scopes, ['ToDoList.Read']);
  assert.equal(principal.isApp, false);

  const app = await getAppToken({ metadataUrl });
  const daemon = await verifyWith(preset, app.accessToken);
  assert.equal(daemon.isApp, true);
  assert.deepEqual(daemon.roles, APP_ROLES);
});

test('entra: tokens are refused by a mismatching configuration', async (t) => {
  const idp = await startTestIdp(t);
  const instance = originOf(idp);
  const tenantToken = (await getUserToken({ metadataUrl: idp.authorities[1]?.metadataUrl, user: 'bob' }))
    .accessToken;
  const rootToken = (await getUserToken({ issuer: idp.issuer, user: 'bob' })).accessToken;
  // The right keys, so that what is refused is the issuer.
  const { jwks_uri: jwksUri } = await discover(idp.issuer);

  // The origin issuer is not Entra's layout: the preset cannot be pointed at it.
  await assertRefused(
    entra({ tenantId: DEV_TENANT_ID, clientId: API_RESOURCE, instance }),
    rootToken,
    'ERR_TOKEN_ISSUER',
  );
  await assertRefused(
    entra({ tenantId: '00000000-0000-4000-8000-000000000000', clientId: API_RESOURCE, instance, jwksUri }),
    tenantToken,
    'ERR_TOKEN_ISSUER',
  );
  await assertRefused(
    entra({ tenantId: DEV_TENANT_ID, clientId: '6514a8ca-d9e4-4155-b292-65258398f3aa', instance }),
    tenantToken,
    'ERR_TOKEN_AUDIENCE',
  );
  // What the to-do API does: generic OIDC at the origin issuer.
  assert.equal(
    (await verifyWith({ issuer: idp.issuer, audience: API_RESOURCE }, rootToken)).tenant,
    DEV_TENANT_ID,
  );
});
