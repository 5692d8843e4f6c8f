/**
 * MSAL Node web apps as they are: a ConfidentialClientApplication with a client secret signs a user
 * in (authorization code + PKCE) at the dev IdP, configured with `authority` and `knownAuthorities`
 * only, and calls the API with the token. The API trusts the Entra-layout issuer MSAL's default
 * (AAD) protocol mode discovers: `<origin>/<tenant id>/v2.0`.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { DEV_TENANT_ID, DEV_WEBAPP_SECRET, WEBAPP_REDIRECT_URIS } from 'gatehouse-dev-idp';
import { ALICE, ROOT, runCli, type System, startSystem } from '../helpers/system.ts';

const MSAL_WEBAPP = join(ROOT, 'apps/todo-cli/test/fixtures/msal-webapp.ts');

let system: System;

before(async () => {
  system = await startSystem({ https: true, entraLayout: true });
});
after(() => system?.stop());

interface WebAppOutcome {
  ok: boolean;
  errorCode?: string;
  message?: string;
  authCodeUrl?: string;
  username?: string;
  scopes?: string[];
  claims?: Record<string, unknown>;
  silent?: { fromCache: boolean; sameToken: boolean };
  refreshed?: { fromCache: boolean; newToken: boolean };
  created?: { status: number; body: { id: string; owner: string } };
  listed?: { status: number; ids: string[] };
}

async function runWebApp(env: Record<string, string | undefined>): Promise<WebAppOutcome> {
  const result = await runCli(
    [],
    {
      MSAL_AUTHORITY: `${system.issuer}/${DEV_TENANT_ID}`,
      MSAL_CLIENT_ID: 'todo-webapp',
      MSAL_CLIENT_SECRET: DEV_WEBAPP_SECRET,
      REDIRECT_URI: WEBAPP_REDIRECT_URIS[0],
      SIGN_IN_USER: 'alice',
      API_URL: system.apiUrl,
      NODE_EXTRA_CA_CERTS: system.caFile,
      ...env,
    },
    { entry: MSAL_WEBAPP },
  );
  const line = result.stdout.trim().split('\n').at(-1) ?? '';
  assert.ok(line.startsWith('{'), `no outcome from the MSAL web app:\n${result.stdout}\n${result.stderr}`);
  return JSON.parse(line) as WebAppOutcome;
}

test('MSAL Node web app (client secret): sign-in, code for tokens, silent and refreshed tokens, API calls', async () => {
  const outcome = await runWebApp({});
  assert.equal(outcome.ok, true, `${outcome.errorCode}: ${outcome.message}`);
  // MSAL's default protocol mode went to Entra's endpoint layout under the authority.
  assert.equal(outcome.authCodeUrl, `${system.issuer}/${DEV_TENANT_ID}/oauth2/v2.0/authorize`);
  assert.equal(outcome.username, 'alice@example.com');
  assert.deepEqual(outcome.scopes, ['api://todo/ToDoList.Read', 'api://todo/ToDoList.ReadWrite']);
  assert.equal(outcome.claims?.iss, `${system.issuer}/${DEV_TENANT_ID}/v2.0`);
  assert.equal(outcome.claims?.aud, 'api://todo');
  assert.equal(outcome.claims?.azp, 'todo-webapp');
  assert.equal(outcome.claims?.azpacr, '1', 'authenticated with its secret');
  assert.equal(outcome.claims?.scp, 'ToDoList.Read ToDoList.ReadWrite');
  assert.deepEqual(outcome.silent, { fromCache: true, sameToken: true });
  assert.deepEqual(outcome.refreshed, { fromCache: false, newToken: true }, 'the refresh token works');

  assert.equal(outcome.created?.status, 201);
  assert.equal(outcome.created?.body.owner, ALICE);
  assert.equal(outcome.listed?.status, 200);
  assert.ok(outcome.listed?.ids.includes(outcome.created?.body.id ?? ''));
});

test('MSAL Node web app with a certificate (clientCertificate.thumbprintSha256): todo-webapp-cert signs alice in', async () => {
  const key = join(system.idpDataDir, 'daemon-cert.key.pem');
  const cert = join(system.idpDataDir, 'msal-webapp-cert.crt');
  execFileSync('openssl', [
    'req',
    '-x509',
    '-new',
    '-key',
    key,
    '-subj',
    '/CN=todo-webapp-cert',
    '-days',
    '2',
    '-out',
    cert,
  ]);
  const outcome = await runWebApp({
    MSAL_CLIENT_ID: 'todo-webapp-cert',
    MSAL_CLIENT_SECRET: undefined,
    MSAL_CERT_KEY: key,
    MSAL_CERT_THUMBPRINT_SHA256: new X509Certificate(readFileSync(cert)).fingerprint256.replaceAll(':', ''),
  });
  assert.equal(outcome.ok, true, `${outcome.errorCode}: ${outcome.message}`);
  assert.equal(outcome.claims?.azp, 'todo-webapp-cert');
  assert.equal(outcome.claims?.azpacr, '2', 'authenticated with its certificate');
  assert.deepEqual(outcome.refreshed, { fromCache: false, newToken: true });
  assert.equal(outcome.created?.status, 201);
  assert.equal(outcome.listed?.status, 200);
});

test('a wrong secret is invalid_client; an unregistered redirect URI never reaches the login form', async () => {
  const wrong = await runWebApp({ MSAL_CLIENT_SECRET: 'not-the-secret' });
  assert.equal(wrong.ok, false);
  assert.equal(wrong.errorCode, 'invalid_client');

  const elsewhere = await runWebApp({ REDIRECT_URI: 'http://localhost:3000/somewhere-else' });
  assert.equal(elsewhere.ok, false);
  // The authorization endpoint refuses it before any login form (oidc-provider: invalid_redirect_uri).
  assert.match(
    String(elsewhere.message),
    /the IdP answered HTTP 400 at \/[0-9a-f-]+\/oauth2\/v2\.0\/authorize$/,
  );
});
