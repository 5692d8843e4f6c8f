/**
 * MSAL compatibility: the client library of Microsoft's MSAL Node daemon tutorial, configured as the
 * tutorial configures it, gets a token from the dev IdP (https mode) and the API accepts it. MSAL runs in a child process started
 * with NODE_EXTRA_CA_CERTS, as does the API (Node reads that variable only at start-up).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ConfidentialClientApplication } from '@azure/msal-node';
import { ALICE, ROOT, runCli, type System, startSystem } from '../helpers/system.ts';

const MSAL_DAEMON = join(ROOT, 'apps/todo-cli/test/fixtures/msal-daemon.ts');

let system: System;

before(async () => {
  system = await startSystem({ https: true });
});
after(() => system?.stop());

interface MsalOutcome {
  ok: boolean;
  errorCode?: string;
  message?: string;
  tokenType?: string;
  scopes?: string[];
  fromCache?: boolean[];
  sameToken?: boolean;
  claims?: Record<string, unknown>;
  created?: { status: number; body: { id: string; owner: string } };
  listed?: { status: number; ids: string[] };
  removed?: number;
}

async function runMsal(env: Record<string, string | undefined>): Promise<MsalOutcome> {
  const result = await runCli(
    [],
    {
      MSAL_AUTHORITY: system.issuer,
      MSAL_CLIENT_ID: 'todo-daemon',
      MSAL_CLIENT_SECRET: 'dev-daemon-secret',
      API_URL: system.apiUrl,
      OWNER: ALICE,
      NODE_EXTRA_CA_CERTS: system.caFile,
      ...env,
    },
    { entry: MSAL_DAEMON },
  );
  const line = result.stdout.trim().split('\n').at(-1) ?? '';
  assert.ok(line.startsWith('{'), `no outcome from the MSAL daemon:\n${result.stdout}\n${result.stderr}`);
  return JSON.parse(line) as MsalOutcome;
}

test('the dev IdP in https mode names an https issuer on localhost', () => {
  assert.match(system.issuer, /^https:\/\/localhost:\d+$/);
  assert.ok(system.caFile);
});

test("MSAL Node (Microsoft's daemon tutorial): client credentials from the dev IdP, token cached, accepted by the API", async () => {
  const outcome = await runMsal({});
  assert.equal(outcome.ok, true, `${outcome.errorCode}: ${outcome.message}`);
  assert.equal(outcome.tokenType, 'Bearer');
  assert.deepEqual(outcome.scopes, ['api://todo/.default']);
  assert.deepEqual(outcome.fromCache, [false, true], "the second call is served from MSAL's cache");
  assert.equal(outcome.sameToken, true);

  assert.equal(outcome.claims?.iss, system.issuer);
  assert.equal(outcome.claims?.aud, 'api://todo');
  assert.deepEqual(outcome.claims?.roles, ['ToDoList.Read.All', 'ToDoList.ReadWrite.All']);
  assert.equal(outcome.claims?.azp, 'todo-daemon');

  assert.equal(outcome.created?.status, 201);
  assert.equal(outcome.created?.body.owner, ALICE);
  assert.equal(outcome.listed?.status, 200);
  assert.ok(outcome.listed?.ids.includes(outcome.created?.body.id ?? ''));
  assert.equal(outcome.removed, 204);
});

test('MSAL Node with clientCertificate.thumbprintSha256 (a PS256 assertion): todo-daemon-cert gets a token the API accepts', async () => {
  const key = join(system.idpDataDir, 'daemon-cert.key.pem');
  const cert = join(system.idpDataDir, 'msal-daemon-cert.crt');
  execFileSync('openssl', [
    'req',
    '-x509',
    '-new',
    '-key',
    key,
    '-subj',
    '/CN=todo-daemon-cert',
    '-days',
    '2',
    '-out',
    cert,
  ]);
  const thumbprintSha256 = new X509Certificate(readFileSync(cert)).fingerprint256.replaceAll(':', '');
  const outcome = await runMsal({
    MSAL_CLIENT_ID: 'todo-daemon-cert',
    MSAL_CLIENT_SECRET: undefined,
    MSAL_CERT_KEY: key,
    MSAL_CERT_THUMBPRINT_SHA256: thumbprintSha256,
  });
  assert.equal(outcome.ok, true, `${outcome.errorCode}: ${outcome.message}`);
  assert.equal(outcome.claims?.azp, 'todo-daemon-cert');
  assert.equal(outcome.claims?.azpacr, '2');
  assert.equal(outcome.created?.status, 201);
  assert.equal(outcome.listed?.status, 200);
});

test('MSAL with a wrong secret gets invalid_client from the dev IdP', async () => {
  const outcome = await runMsal({ MSAL_CLIENT_SECRET: 'not-the-secret' });
  assert.equal(outcome.ok, false);
  assert.equal(outcome.errorCode, 'invalid_client');
});

test('without NODE_EXTRA_CA_CERTS, MSAL does not trust the development CA', async () => {
  const outcome = await runMsal({ NODE_EXTRA_CA_CERTS: undefined });
  assert.equal(outcome.ok, false);
  assert.equal(outcome.errorCode, 'endpoints_resolution_error');
});

test('MSAL refuses a plain http authority (authority_uri_insecure): why the dev IdP has an https mode', async () => {
  await assert.rejects(
    async () => {
      const cca = new ConfidentialClientApplication({
        auth: {
          clientId: 'todo-daemon',
          authority: 'http://localhost:3001',
          clientSecret: 'dev-daemon-secret',
          knownAuthorities: ['localhost:3001'],
        },
        system: { protocolMode: 'OIDC' },
      });
      await cca.acquireTokenByClientCredential({ scopes: ['api://todo/.default'] });
    },
    (error: unknown) => (error as { errorCode?: string }).errorCode === 'authority_uri_insecure',
  );
});

test('the todo CLI (openid-client) works against the https IdP too, and says what to do without the CA', async () => {
  const env = { ...system.env, NODE_EXTRA_CA_CERTS: system.caFile };
  const listed = await runCli(['token', '--json'], env);
  assert.equal(listed.code, 0, listed.stderr);
  assert.equal((JSON.parse(listed.stdout) as { iss: string }).iss, system.issuer);

  const untrusted = await runCli(['list'], { ...system.env, NODE_EXTRA_CA_CERTS: undefined });
  assert.equal(untrusted.code, 6);
  assert.match(
    untrusted.stderr,
    /^todo: cannot connect securely to the identity provider at https:\/\/localhost:\d+ \(UNABLE_TO_VERIFY_LEAF_SIGNATURE\); .*NODE_EXTRA_CA_CERTS=<its ca.pem>\n$/,
  );
});
