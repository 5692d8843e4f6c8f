/**
 * Certificate-bound opaque tokens end to end (RFC 8705 §3.2), over real https between real
 * processes: the https dev IdP authenticates `todo-daemon-mtls-opaque` by its TLS client certificate
 * and binds the opaque token to it; the to-do API (https itself, AUTH_INTROSPECTION_*) learns the
 * binding only from the introspection answer (`cnf["x5t#S256"]`) and asks for the certificate on
 * every request. The token replayed without that certificate, or with another, is refused.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CLIENT_CERTIFICATE_FILES, DEV_CLIENT_IDS, DEV_INTROSPECTION_SECRET } from 'gatehouse-dev-idp';
import { selfSignedCertificate } from 'gatehouse-test-support/certificates';
import { tempDir } from 'gatehouse-test-support/temp';
import { ALICE, runCli, type System, startSystem } from '../helpers/system.ts';

interface Pair {
  cert: string;
  key: string;
}

let system: System;
let env: Record<string, string>;
let mine: Pair;
const scratch = tempDir('todo-cli-mtls-introspection-');

/** GET with the token as Bearer, trusting the CA, with or without a client certificate. */
function replay(token: string, client?: Pair): Promise<{ status: number; code: unknown }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${system.apiUrl}/api/todos`,
      {
        headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
        ca: readFileSync(system.caFile ?? '', 'utf8'),
        agent: false,
        ...(client ? { cert: readFileSync(client.cert), key: readFileSync(client.key) } : {}),
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () => {
          const body = JSON.parse(text) as { code?: unknown };
          resolve({ status: res.statusCode ?? 0, code: Array.isArray(body) ? 'a list' : body.code });
        });
      },
    );
    req.on('error', reject);
    req.end();
  });
}

before(async () => {
  system = await startSystem({
    https: true,
    apiTls: true,
    apiEnv: {
      AUTH_INTROSPECTION_CLIENT_ID: DEV_CLIENT_IDS.introspector,
      AUTH_INTROSPECTION_CLIENT_SECRET: DEV_INTROSPECTION_SECRET,
    },
  });
  mine = {
    cert: join(system.idpDataDir, CLIENT_CERTIFICATE_FILES.cert),
    key: join(system.idpDataDir, CLIENT_CERTIFICATE_FILES.key),
  };
  env = {
    TODO_AUTHORITY: system.issuer,
    TODO_API_URL: system.apiUrl,
    TODO_CLIENT_ID: DEV_CLIENT_IDS.daemonMtlsOpaque,
    NODE_EXTRA_CA_CERTS: system.caFile ?? '',
  };
});
after(async () => {
  await system?.stop();
  scratch.remove();
});

const withCert = (pair: Pair) => ['--tls-cert', pair.cert, '--tls-key', pair.key];

describe('a certificate-bound opaque token from the https dev IdP, introspected by the to-do API', () => {
  test('todo --tls-cert as todo-daemon-mtls-opaque adds an item over mutual TLS', async () => {
    const added = await runCli(
      ['add', 'Renew the opaque binding', '--owner', ALICE, '--json', ...withCert(mine)],
      env,
    );
    assert.equal(added.code, 0, added.stderr);
    assert.equal((JSON.parse(added.stdout) as { owner: string }).owner, ALICE);
  });

  test('the same token is refused without the certificate and with another, accepted with it', async () => {
    const printed = await runCli(['token', '--raw', ...withCert(mine)], env);
    assert.equal(printed.code, 0, printed.stderr);
    const token = printed.stdout.trim();
    assert.doesNotMatch(token, /\./, 'the dev IdP issues todo-daemon-mtls-opaque opaque tokens');

    assert.deepEqual(await replay(token), { status: 401, code: 'ERR_MTLS_BINDING' });
    const stranger = selfSignedCertificate(scratch.path, 'stranger');
    assert.deepEqual(await replay(token, stranger), { status: 401, code: 'ERR_MTLS_BINDING' });
    // Only the certificate makes the difference: with it, the very same token is accepted.
    assert.deepEqual(await replay(token, mine), { status: 200, code: 'a list' });
    // The answer is cached now; the certificate is still asked for.
    assert.deepEqual(await replay(token), { status: 401, code: 'ERR_MTLS_BINDING' });
  });
});
