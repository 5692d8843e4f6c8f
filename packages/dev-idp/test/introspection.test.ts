// RFC 7662 at the dev IdP: todo-daemon-opaque gets opaque tokens whose introspection answer carries
// the profile's claims; only the introspection clients may ask; JWTs stay JWTs.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { decodeJwt, importPKCS8, SignJWT } from 'jose';
import {
  DATA_FILES,
  DEV_CLIENT_IDS,
  DEV_DAEMON_OPAQUE_SECRET,
  DEV_DAEMON_SECRET,
  DEV_INTROSPECTION_SECRET,
  getAppToken,
} from '../src/index.ts';
import { startTestIdp, tempDataDir } from './helpers.ts';

async function introspect(
  endpoint: string,
  token: string,
  auth: { basic?: [string, string]; form?: Record<string, string> },
): Promise<{ status: number; body: Record<string, unknown> }> {
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (auth.basic) headers.authorization = `Basic ${Buffer.from(auth.basic.join(':')).toString('base64')}`;
  const res = await fetch(endpoint, {
    method: 'POST',
    headers,
    body: new URLSearchParams({ token, token_type_hint: 'access_token', ...auth.form }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

test('todo-daemon-opaque gets an opaque token; the introspection clients see its Entra-shaped claims', async (t) => {
  const dataDir = await tempDataDir(t);
  const idp = await startTestIdp(t, { dataDir });
  const metadata = (await (await fetch(idp.metadataUrl)).json()) as Record<string, string>;
  const endpoint = metadata.introspection_endpoint!;
  assert.equal(endpoint, `${idp.issuer}/token/introspection`);
  const { accessToken } = await getAppToken({
    issuer: idp.issuer,
    clientId: DEV_CLIENT_IDS.daemonOpaque,
    clientSecret: DEV_DAEMON_OPAQUE_SECRET,
  });
  assert.doesNotMatch(accessToken, /\./, 'opaque: not a JWT');

  const basic = await introspect(endpoint, accessToken, {
    basic: [DEV_CLIENT_IDS.introspector, DEV_INTROSPECTION_SECRET],
  });
  assert.equal(basic.status, 200);
  assert.equal(basic.body.active, true);
  assert.equal(basic.body.aud, 'api://todo');
  assert.equal(basic.body.iss, idp.issuer);
  assert.equal(basic.body.client_id, DEV_CLIENT_IDS.daemonOpaque);
  assert.equal(basic.body.sub, basic.body.oid);
  assert.deepEqual(basic.body.roles, ['ToDoList.Read.All', 'ToDoList.ReadWrite.All']);
  assert.equal(basic.body.idtyp, 'app');
  assert.equal(typeof basic.body.exp, 'number');

  // private_key_jwt with the certificate client's key.
  const key = await importPKCS8(await readFile(join(dataDir, DATA_FILES.daemonCertKey), 'utf8'), 'RS256');
  const assertion = await new SignJWT({})
    .setProtectedHeader({ alg: 'RS256' })
    .setIssuer(DEV_CLIENT_IDS.introspectorCert)
    .setSubject(DEV_CLIENT_IDS.introspectorCert)
    .setAudience(idp.issuer)
    .setJti(randomUUID())
    .setIssuedAt()
    .setExpirationTime('1m')
    .sign(key);
  const signed = await introspect(endpoint, accessToken, {
    form: {
      client_id: DEV_CLIENT_IDS.introspectorCert,
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: assertion,
    },
  });
  assert.equal(signed.status, 200);
  assert.equal(signed.body.active, true);

  // Wrong secret: 401 invalid_client (RFC 7662 §2.3), not an answer about the token.
  const wrong = await introspect(endpoint, accessToken, { basic: [DEV_CLIENT_IDS.introspector, 'nope'] });
  assert.equal(wrong.status, 401);
  assert.equal(wrong.body.error, 'invalid_client');
});

test('only the introspection clients may introspect; JWT access tokens stay JWTs', async (t) => {
  const idp = await startTestIdp(t);
  const metadata = (await (await fetch(idp.metadataUrl)).json()) as Record<string, string>;
  const endpoint = metadata.introspection_endpoint!;
  const { accessToken } = await getAppToken({
    issuer: idp.issuer,
    clientId: DEV_CLIENT_IDS.daemonOpaque,
    clientSecret: DEV_DAEMON_OPAQUE_SECRET,
  });
  const other = await introspect(endpoint, accessToken, {
    form: { client_id: DEV_CLIENT_IDS.daemon, client_secret: DEV_DAEMON_SECRET },
  });
  assert.equal(other.status, 200);
  assert.deepEqual(other.body, { active: false }, 'todo-daemon is not allowed to introspect');

  const jwt = (await getAppToken({ issuer: idp.issuer })).accessToken;
  assert.equal(decodeJwt(jwt).client_id, DEV_CLIENT_IDS.daemon, 'todo-daemon still gets a JWT');
  assert.equal(decodeJwt(jwt).tid, '3f2b8c1e-7d4a-4e6b-9a51-0d8e2f6c4b17');
});
