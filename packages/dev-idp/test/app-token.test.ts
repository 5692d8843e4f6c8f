import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { importPKCS8, SignJWT } from 'jose';
import {
  APP_ROLES,
  DATA_FILES,
  DEV_CLIENT_IDS,
  DEV_READONLY_SECRET,
  DEV_TENANT_ID,
  DevIdpError,
  getAppToken,
} from '../src/index.ts';
import { discover } from '../src/token-client.ts';
import { startTestIdp, tempDataDir, verifyAccessToken } from './helpers.ts';

test('serves discovery and a JWKS of public RS256 keys', async (t) => {
  const idp = await startTestIdp(t);
  assert.match(idp.issuer, /^http:\/\/localhost:\d+$/);
  assert.notEqual(new URL(idp.issuer).port, '0');

  const metadata = await discover(idp.issuer);
  assert.equal(metadata.issuer, idp.issuer);
  assert.ok(metadata.end_session_endpoint);

  const response = await fetch(metadata.jwks_uri);
  assert.equal(response.status, 200);
  const { keys } = (await response.json()) as { keys: Record<string, unknown>[] };
  assert.equal(keys.length, 1);
  assert.equal(keys[0]?.kty, 'RSA');
  assert.equal(keys[0]?.alg, 'RS256');
  assert.equal(keys[0]?.d, undefined, 'no private key material');
});

test('client credentials give an Entra-shaped app token for api://todo', async (t) => {
  const idp = await startTestIdp(t);
  const token = await getAppToken({ issuer: idp.issuer });
  assert.equal(token.expiresIn, 3600);

  const { payload } = await verifyAccessToken(token.accessToken, idp.issuer);
  assert.equal(payload.iss, idp.issuer);
  assert.equal(payload.aud, 'api://todo');
  assert.deepEqual(payload.roles, APP_ROLES);
  assert.equal(payload.idtyp, 'app');
  assert.equal(payload.azp, DEV_CLIENT_IDS.daemon);
  assert.equal(payload.tid, DEV_TENANT_ID);
  assert.equal(payload.ver, '2.0');
  assert.match(String(payload.oid), /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  assert.equal(payload.scp, undefined, 'an app token has no delegated scopes');
  assert.equal(payload.scope, undefined);
});

test('the Entra .default scope and a plain RFC 8707 request both target api://todo', async (t) => {
  const idp = await startTestIdp(t);
  const entra = await getAppToken({ issuer: idp.issuer, scope: 'api://todo/.default' });
  assert.deepEqual((await verifyAccessToken(entra.accessToken, idp.issuer)).payload.roles, APP_ROLES);

  const { token_endpoint } = await discover(idp.issuer);
  const response = await fetch(token_endpoint, {
    method: 'POST',
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: 'todo-daemon',
      client_secret: 'dev-daemon-secret',
      resource: 'api://todo',
      scope: 'ToDoList.Read ToDoList.ReadWrite',
    }),
  });
  assert.equal(response.status, 200);
  const body = (await response.json()) as { access_token: string };
  const { payload } = await verifyAccessToken(body.access_token, idp.issuer);
  assert.deepEqual(payload.roles, APP_ROLES);
  assert.equal(payload.scp, undefined);
});

test('a wrong client secret is refused with 401 invalid_client', async (t) => {
  const idp = await startTestIdp(t);
  await assert.rejects(getAppToken({ issuer: idp.issuer, clientSecret: 'not-the-secret' }), (error) => {
    assert.ok(error instanceof DevIdpError);
    assert.equal(error.code, 'ERR_DEV_IDP_TOKEN_REQUEST');
    assert.equal(error.status, 401);
    assert.equal(error.error, 'invalid_client');
    assert.doesNotMatch(error.message, /not-the-secret/);
    return true;
  });
});

test('todo-daemon-cert authenticates with private_key_jwt using the generated key', async (t) => {
  const dataDir = await tempDataDir(t);
  const idp = await startTestIdp(t, { dataDir });
  const privateKey = await readFile(join(dataDir, DATA_FILES.daemonCertKey), 'utf8');
  const token = await getAppToken({ issuer: idp.issuer, clientId: DEV_CLIENT_IDS.daemonCert, privateKey });
  const { payload } = await verifyAccessToken(token.accessToken, idp.issuer);
  assert.equal(payload.azp, DEV_CLIENT_IDS.daemonCert);
  assert.equal(payload.azpacr, '2');
  assert.deepEqual(payload.roles, APP_ROLES);
});

test('todo-daemon-cert: PS256 and RS256 assertions without kid (as Entra and MSAL Node) pass; RS512 does not', async (t) => {
  const dataDir = await tempDataDir(t);
  const idp = await startTestIdp(t, { dataDir });
  const pem = await readFile(join(dataDir, DATA_FILES.daemonCertKey), 'utf8');
  const { token_endpoint } = await discover(idp.issuer);
  const attempt = async (alg: 'PS256' | 'RS256' | 'RS512') => {
    const key = await importPKCS8(pem, alg);
    const assertion = await new SignJWT({})
      // MSAL Node names the certificate by its SHA-256 thumbprint, never by kid.
      .setProtectedHeader({
        alg,
        typ: 'JWT',
        'x5t#S256': createHash('sha256').update(pem).digest('base64url'),
      })
      .setIssuer(DEV_CLIENT_IDS.daemonCert)
      .setSubject(DEV_CLIENT_IDS.daemonCert)
      .setAudience(token_endpoint)
      .setJti(randomUUID())
      .setIssuedAt()
      .setExpirationTime('2m')
      .sign(key);
    const response = await fetch(token_endpoint, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: DEV_CLIENT_IDS.daemonCert,
        scope: 'api://todo/.default',
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: assertion,
      }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  for (const alg of ['PS256', 'RS256'] as const) {
    const { status, body } = await attempt(alg);
    assert.equal(status, 200, `${alg}: ${JSON.stringify(body)}`);
    const { payload } = await verifyAccessToken(String(body.access_token), idp.issuer);
    assert.equal(payload.azp, DEV_CLIENT_IDS.daemonCert);
  }
  const refused = await attempt('RS512');
  assert.equal(refused.status, 401);
  assert.equal(refused.body.error, 'invalid_client');
});

test('todo-daemon-cert: one client assertion serves two token requests until it expires, as Entra (MSAL reuses it)', async (t) => {
  const dataDir = await tempDataDir(t);
  const idp = await startTestIdp(t, { dataDir });
  const pem = await readFile(join(dataDir, DATA_FILES.daemonCertKey), 'utf8');
  const { token_endpoint } = await discover(idp.issuer);
  const assertion = await new SignJWT({})
    .setProtectedHeader({ alg: 'PS256', typ: 'JWT' })
    .setIssuer(DEV_CLIENT_IDS.daemonCert)
    .setSubject(DEV_CLIENT_IDS.daemonCert)
    .setAudience(token_endpoint)
    .setJti(randomUUID())
    .setIssuedAt()
    .setExpirationTime('10m')
    .sign(await importPKCS8(pem, 'PS256'));
  const request = () =>
    fetch(token_endpoint, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: DEV_CLIENT_IDS.daemonCert,
        scope: 'api://todo/.default',
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: assertion,
      }),
    });
  assert.equal((await request()).status, 200);
  assert.equal((await request()).status, 200);
});

test('todo-daemon-readonly gets only ToDoList.Read.All', async (t) => {
  const idp = await startTestIdp(t);
  const token = await getAppToken({
    issuer: idp.issuer,
    clientId: DEV_CLIENT_IDS.daemonReadOnly,
    clientSecret: DEV_READONLY_SECRET,
  });
  const { payload } = await verifyAccessToken(token.accessToken, idp.issuer);
  assert.equal(payload.azp, DEV_CLIENT_IDS.daemonReadOnly);
  assert.deepEqual(payload.roles, ['ToDoList.Read.All']);
  assert.equal(payload.idtyp, 'app');
});
