/**
 * Certificate-bound opaque tokens end to end (RFC 8705 §3.2), over real https between real
 * processes: the https dev IdP authenticates `todo-daemon-mtls-opaque` by its TLS client certificate
 * and binds the opaque token to it; the to-do API (https itself, AUTH_INTROSPECTION_*) learns the
 * binding only from the introspection answer (`cnf["x5t#S256"]`) and asks for the certificate on
 * every request. The token replayed without that certificate, or with another, is refused.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CLIENT_CERTIFICATE_FILES, DEV_CLIENT_IDS, DEV_INTROSPECTION_SECRET } from 'gatehouse-dev-idp';
import { selfSignedCertificate } from 'gatehouse-test-support/certificates';
import { tempDir } from 'gatehouse-test-support/temp';
import { getWithToken, type CertificatePair as Pair, withCert } from '../helpers/mtls.ts';
import { ALICE, runCli, type System, startSystem } from '../helpers/system.ts';

let system: System;
let env: Record<string, string>;
let mine: Pair;
const scratch = tempDir('todo-cli-mtls-introspection-');

/** GET with the token as Bearer, with or without a client certificate: the status and the error code. */
async function replay(token: string, client?: Pair): Promise<{ status: number; code: unknown }> {
  const { status, body } = await getWithToken(system, '/api/todos', token, client);
  return { status, code: Array.isArray(body) ? 'a list' : body.code };
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
