/**
 * Mutual TLS (RFC 8705) at the dev IdP's token endpoint, https mode: `todo-daemon-mtls`
 * authenticates with its registered self-signed certificate (§2.2) and gets access tokens bound to
 * it (§3.1, `cnf["x5t#S256"]`); clients without a certificate are still served.
 */
import assert from 'node:assert/strict';
import { createHash, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { request } from 'node:https';
import { join } from 'node:path';
import { test } from 'node:test';
import { selfSignedCertificate } from 'gatehouse-test-support/certificates';
import { createLocalJWKSet, type JWTPayload, jwtVerify } from 'jose';
import {
  CLIENT_CERTIFICATE_FILES,
  DEV_CLIENT_IDS,
  DEV_DAEMON_SECRET,
  DEV_INTROSPECTION_SECRET,
  TLS_FILES,
} from '../src/index.ts';
import { startTestIdp, tempDataDir } from './helpers.ts';

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

interface ClientPair {
  cert: string;
  key: string;
}

/** A form POST over https trusting `ca`, presenting `client`'s certificate and `headers` when given. */
function post(
  url: string,
  form: Record<string, string>,
  ca: string,
  client?: ClientPair,
  headers: Record<string, string> = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const body = new URLSearchParams(form).toString();
    const req = request(
      url,
      {
        method: 'POST',
        ca,
        agent: false,
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
        ...(client ?? {}),
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function get(url: string, ca: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    request(url, { ca, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk: string) => {
        text += chunk;
      });
      res.on('end', () => resolve(JSON.parse(text) as Record<string, unknown>));
    })
      .on('error', reject)
      .end();
  });
}

function thumbprint(pem: string): string {
  return createHash('sha256').update(new X509Certificate(pem).raw).digest('base64url');
}

/** Another self-signed certificate, one the IdP never registered. */
function strangerPair(dir: string): ClientPair {
  const files = selfSignedCertificate(dir, 'stranger');
  return { key: readFileSync(files.key, 'utf8'), cert: readFileSync(files.cert, 'utf8') };
}

/** The token's claims once its signature verifies with the IdP's published keys. */
async function verified(token: unknown, metadata: Record<string, unknown>, ca: string): Promise<JWTPayload> {
  const jwks = createLocalJWKSet((await get(String(metadata.jwks_uri), ca)) as { keys: [] });
  return (await jwtVerify(String(token), jwks, { issuer: String(metadata.issuer) })).payload;
}

const form = { grant_type: 'client_credentials', scope: 'api://todo/.default' };

test('https mode: todo-daemon-mtls gets a token bound to its certificate; no or another certificate is refused', async (t) => {
  const dataDir = await tempDataDir(t);
  const idp = await startTestIdp(t, { dataDir, https: true });
  const ca = await readFile(join(dataDir, TLS_FILES.caCert), 'utf8');
  const metadata = await get(`${idp.issuer}/.well-known/openid-configuration`, ca);
  assert.equal(metadata.tls_client_certificate_bound_access_tokens, true);
  assert.ok(
    (metadata.token_endpoint_auth_methods_supported as string[]).includes('self_signed_tls_client_auth'),
  );
  const tokenEndpoint = String(metadata.token_endpoint);

  const mine: ClientPair = {
    cert: await readFile(join(dataDir, CLIENT_CERTIFICATE_FILES.cert), 'utf8'),
    key: await readFile(join(dataDir, CLIENT_CERTIFICATE_FILES.key), 'utf8'),
  };
  const client = { ...form, client_id: DEV_CLIENT_IDS.daemonMtls };
  const bound = await post(tokenEndpoint, client, ca, mine);
  assert.equal(bound.status, 200, JSON.stringify(bound.body));
  assert.equal(bound.body.token_type, 'Bearer');
  const payload = await verified(bound.body.access_token, metadata, ca);
  assert.deepEqual(payload.cnf, { 'x5t#S256': thumbprint(mine.cert) });
  assert.equal(payload.azp ?? payload.client_id ?? payload.appid, DEV_CLIENT_IDS.daemonMtls);

  const none = await post(tokenEndpoint, client, ca);
  assert.equal(none.status, 401);
  assert.equal(none.body.error, 'invalid_client');
  const other = await post(tokenEndpoint, client, ca, strangerPair(dataDir));
  assert.equal(other.status, 401);
  assert.equal(other.body.error, 'invalid_client');

  // The server asks for a certificate but requires none: a secret still does.
  const secret = await post(
    tokenEndpoint,
    { ...form, client_id: DEV_CLIENT_IDS.daemon, client_secret: DEV_DAEMON_SECRET },
    ca,
  );
  assert.equal(secret.status, 200, JSON.stringify(secret.body));
  assert.equal((await verified(secret.body.access_token, metadata, ca)).cnf, undefined);
});

test('https mode: todo-daemon-mtls-opaque gets an opaque bound token; introspection says cnf x5t#S256 (RFC 8705 §3.2)', async (t) => {
  const dataDir = await tempDataDir(t);
  const idp = await startTestIdp(t, { dataDir, https: true });
  const ca = await readFile(join(dataDir, TLS_FILES.caCert), 'utf8');
  const metadata = await get(`${idp.issuer}/.well-known/openid-configuration`, ca);
  const mine: ClientPair = {
    cert: await readFile(join(dataDir, CLIENT_CERTIFICATE_FILES.cert), 'utf8'),
    key: await readFile(join(dataDir, CLIENT_CERTIFICATE_FILES.key), 'utf8'),
  };
  const issued = await post(
    String(metadata.token_endpoint),
    { ...form, client_id: DEV_CLIENT_IDS.daemonMtlsOpaque },
    ca,
    mine,
  );
  assert.equal(issued.status, 200, JSON.stringify(issued.body));
  const token = String(issued.body.access_token);
  assert.doesNotMatch(token, /\./, 'an opaque token');
  const basic = Buffer.from(`${DEV_CLIENT_IDS.introspector}:${DEV_INTROSPECTION_SECRET}`).toString('base64');
  const answer = await post(
    String(metadata.introspection_endpoint),
    { token, token_type_hint: 'access_token' },
    ca,
    undefined,
    { authorization: `Basic ${basic}` },
  );
  assert.equal(answer.status, 200);
  assert.equal(answer.body.active, true);
  assert.equal(answer.body.client_id, DEV_CLIENT_IDS.daemonMtlsOpaque);
  assert.deepEqual(answer.body.cnf, { 'x5t#S256': thumbprint(mine.cert) });
});

test('https mode keeps the client certificate across restarts; plain http has no mTLS client', async (t) => {
  const dataDir = await tempDataDir(t);
  const first = await startTestIdp(t, { dataDir, https: true });
  const cert = await readFile(join(dataDir, CLIENT_CERTIFICATE_FILES.cert), 'utf8');
  await first.close();
  await startTestIdp(t, { dataDir, https: true });
  assert.equal(await readFile(join(dataDir, CLIENT_CERTIFICATE_FILES.cert), 'utf8'), cert);

  const plain = await startTestIdp(t);
  const metadata = (await (await fetch(`${plain.issuer}/.well-known/openid-configuration`)).json()) as Record<
    string,
    unknown
  >;
  assert.equal(metadata.tls_client_certificate_bound_access_tokens, undefined);
});
