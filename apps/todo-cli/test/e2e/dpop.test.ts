/**
 * DPoP (RFC 9449) end to end: the CLI gets a DPoP-bound token from the real dev IdP and calls the
 * real API with AUTH_DPOP=required and server nonces (AUTH_DPOP_NONCE_SECRET). The CLI reaches the API through a forwarding proxy that keeps
 * the last request's Authorization and DPoP headers, so that the test can replay them.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  DATA_FILES,
  DEV_CLIENT_IDS,
  DEV_DAEMON_DPOP_SECRET,
  DEV_READONLY_SECRET,
  DEV_TENANT_ID,
} from 'gatehouse-dev-idp';
import { freePort } from 'gatehouse-test-support/ports';
import { type CapturingProxy, startCapturingProxy } from '../helpers/capturing-proxy.ts';
import { ALICE, runCli, type System, startSystem } from '../helpers/system.ts';

const JWT = /eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+/;

let system: System;
let proxy: CapturingProxy;
let proxyUrl: string;
let env: Record<string, string>;

before(async () => {
  const port = await freePort();
  proxyUrl = `http://127.0.0.1:${port}`;
  system = await startSystem({
    apiEnv: {
      AUTH_DPOP: 'required',
      AUTH_DPOP_NONCE_SECRET: 'e2e nonce secret, thirty-two characters at least',
      PUBLIC_URL: proxyUrl,
    },
  });
  proxy = await startCapturingProxy(system.apiUrl, port);
  env = { ...system.env, TODO_API_URL: proxyUrl };
});
after(async () => {
  await proxy?.close();
  await system?.stop();
});

async function ok(args: string[], environment: Record<string, string> = env): Promise<string> {
  const result = await runCli(args, environment);
  assert.equal(result.code, 0, `todo ${args.join(' ')}: ${result.stderr}`);
  assert.equal(result.stderr, '');
  return result.stdout;
}

describe('todo --dpop against the dev IdP and an API with AUTH_DPOP=required and server nonces', () => {
  test('todo --dpop add and list work, learning the nonce from use_dpop_nonce; TODO_DPOP=1 does the same', async () => {
    proxy.takeAnswers();
    const added = JSON.parse(
      await ok(['add', 'Renew the certificate (DPoP)', '--owner', ALICE, '--json', '--dpop']),
    ) as { id: string; owner: string };
    assert.equal(added.owner, ALICE);
    assert.match(proxy.last()?.authorization ?? '', /^DPoP eyJ/);
    assert.match(proxy.last()?.dpop ?? '', JWT);
    // RFC 9449 §9: a new run has no nonce; the API's 401 hands one out and the one retry carries it.
    const answers = proxy.takeAnswers();
    assert.deepEqual(
      answers.map((answer) => answer.status),
      [401, 201],
    );
    const sent = JSON.parse(Buffer.from(proxy.last()?.dpop.split('.')[1] ?? '', 'base64url').toString()) as {
      nonce?: string;
    };
    assert.match(answers[0]?.nonce ?? '', /^[0-9a-z]+\.[\w-]{24}$/);
    assert.equal(sent.nonce, answers[0]?.nonce);
    const listed = JSON.parse(await ok(['list', '--json'], { ...env, TODO_DPOP: '1' })) as { id: string }[];
    assert.ok(listed.some((item) => item.id === added.id));
  });

  test('todo token --dpop shows the binding (cnf.jkt), never the token', async () => {
    const human = await ok(['token', '--dpop']);
    assert.match(human, /\nBound to: DPoP key cnf\.jkt [\w-]{43}, this run's key /);
    assert.doesNotMatch(human, JWT);
    const claims = JSON.parse(await ok(['token', '--json', '--dpop'])) as { cnf?: { jkt?: unknown } };
    assert.match(String(claims.cnf?.jkt), /^[\w-]{43}$/);
    // Without --dpop the token is a Bearer token, and says so.
    assert.match(await ok(['token']), /\nBound to: nothing \(a Bearer token/);
  });

  test('the token the CLI used is refused as Bearer, and its proof is refused when replayed', async () => {
    await ok(['list', '--dpop']);
    const captured = proxy.last();
    assert.ok(captured);
    assert.equal(captured.method, 'GET');
    const token = captured.authorization.replace(/^DPoP /, '');
    assert.match(token, JWT);

    const asBearer = await fetch(`${system.apiUrl}${captured.path}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(asBearer.status, 401);
    assert.match(asBearer.headers.get('www-authenticate') ?? '', /^DPoP .*error="invalid_token"/);

    const replayed = await fetch(`${system.apiUrl}${captured.path}`, {
      headers: { authorization: captured.authorization, dpop: captured.dpop },
    });
    assert.equal(replayed.status, 401);
    assert.match(replayed.headers.get('www-authenticate') ?? '', /error="invalid_dpop_proof"/);
    assert.equal(((await replayed.json()) as { code?: string }).code, 'ERR_DPOP_PROOF_REPLAY');
  });

  test('without --dpop the API answers 401 with a DPoP challenge, and the CLI says to use --dpop', async () => {
    const anonymous = await fetch(`${system.apiUrl}/api/todos`);
    assert.equal(anonymous.status, 401);
    assert.match(anonymous.headers.get('www-authenticate') ?? '', /^DPoP realm="[^"]*", algs="/);

    const result = await runCli(['list'], env);
    assert.equal(result.code, 3, result.stderr);
    assert.equal(result.stdout, '');
    assert.match(
      result.stderr,
      /^todo: the API requires DPoP-bound tokens \(RFC 9449\) and refused this Bearer token \(invalid_token: .*\); run with --dpop or set TODO_DPOP=1\n$/,
    );
    assert.doesNotMatch(result.stderr, JWT);
  });

  test('a DPoP-bound token without the write permission: 403 insufficient_scope, said as for Bearer', async () => {
    const readOnly = {
      ...env,
      TODO_CLIENT_ID: DEV_CLIENT_IDS.daemonReadOnly,
      TODO_CLIENT_SECRET: DEV_READONLY_SECRET,
    };
    await ok(['list', '--dpop'], readOnly);
    const result = await runCli(['add', 'Not allowed', '--owner', ALICE, '--dpop'], readOnly);
    assert.equal(result.code, 4, result.stderr);
    assert.match(
      result.stderr,
      /^todo: forbidden \(insufficient_scope\): client todo-daemon-readonly lacks the permission to do this; it needs .*ToDoList\.ReadWrite\.All/,
    );
  });

  test('todo-daemon-dpop, which the dev IdP gives tokens only with a proof, works with --dpop', async () => {
    const dpopClient = {
      ...env,
      TODO_CLIENT_ID: DEV_CLIENT_IDS.daemonDpop,
      TODO_CLIENT_SECRET: DEV_DAEMON_DPOP_SECRET,
    };
    const claims = JSON.parse(await ok(['token', '--json', '--dpop'], dpopClient)) as {
      azp?: string;
      cnf?: { jkt?: string };
    };
    assert.equal(claims.azp, DEV_CLIENT_IDS.daemonDpop);
    assert.match(String(claims.cnf?.jkt), /^[\w-]{43}$/);
    const refused = await runCli(['token', '--json'], dpopClient);
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(
      refused.stderr,
      /identity provider refused the token request \(HTTP 400 invalid_grant.*\); if this client must use DPoP, add --dpop\n$/,
    );
  });
});

describe('todo --dpop against the https dev IdP in Entra layout and an API with DPoP allowed', () => {
  let https: System;
  before(async () => {
    https = await startSystem({ https: true, entraLayout: true });
  });
  after(() => https?.stop());

  test('client secret and private_key_jwt both get DPoP-bound tokens and call the API', async () => {
    const base = {
      ...https.env,
      TODO_AUTHORITY: `${https.issuer}/${DEV_TENANT_ID}/v2.0`,
      NODE_EXTRA_CA_CERTS: https.caFile ?? '',
    };
    const withKey = {
      ...base,
      TODO_CLIENT_ID: DEV_CLIENT_IDS.daemonCert,
      TODO_CLIENT_SECRET: '',
      TODO_PRIVATE_KEY: join(https.idpDataDir, DATA_FILES.daemonCertKey),
    };
    for (const environment of [base, withKey]) {
      const claims = JSON.parse(await ok(['token', '--json', '--dpop'], environment)) as {
        iss?: string;
        cnf?: { jkt?: string };
      };
      assert.equal(claims.iss, base.TODO_AUTHORITY);
      assert.match(String(claims.cnf?.jkt), /^[\w-]{43}$/);
      assert.ok(Array.isArray(JSON.parse(await ok(['list', '--json', '--dpop'], environment))));
    }
  });
});
