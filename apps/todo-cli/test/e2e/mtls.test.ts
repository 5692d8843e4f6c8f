/**
 * Certificate-bound tokens (RFC 8705) end to end, over real https between real processes: the dev
 * IdP (https mode) authenticates `todo-daemon-mtls` by its TLS client certificate and binds the
 * token to it; the `todo` CLI presents the same certificate to the to-do API, which serves https
 * itself (TLS_CERT, TLS_KEY). The token replayed without that certificate is refused.
 */
import assert from 'node:assert/strict';
import { createHash, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CLIENT_CERTIFICATE_FILES, DEV_CLIENT_IDS } from 'gatehouse-dev-idp';
import { selfSignedCertificate } from 'gatehouse-test-support/certificates';
import { tempDir } from 'gatehouse-test-support/temp';
import { type Answer, getWithToken, type CertificatePair as Pair, withCert } from '../helpers/mtls.ts';
import { ALICE, runCli, type System, startApi, startSystem } from '../helpers/system.ts';

const JWT = /eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+/;

let system: System;
let env: Record<string, string>;
let mine: Pair;
let stranger: Pair;
const scratch = tempDir('todo-cli-mtls-');

/** A self-signed certificate no one registered: "another certificate". */
function strangerPair(): Pair {
  return selfSignedCertificate(scratch.path, 'stranger');
}

function thumbprint(certFile: string): string {
  return createHash('sha256')
    .update(new X509Certificate(readFileSync(certFile)).raw)
    .digest('base64url');
}

/** What curl would do: GET with the token as Bearer, trusting the CA, with or without a certificate. */
const replay = (path: string, token: string, client?: Pair): Promise<Answer> =>
  getWithToken(system, path, token, client);

before(async () => {
  system = await startSystem({ https: true, apiTls: true });
  mine = {
    cert: join(system.idpDataDir, CLIENT_CERTIFICATE_FILES.cert),
    key: join(system.idpDataDir, CLIENT_CERTIFICATE_FILES.key),
  };
  stranger = strangerPair();
  // No client id, no secret: on the dev IdP a TLS certificate alone means todo-daemon-mtls.
  env = {
    TODO_AUTHORITY: system.issuer,
    TODO_API_URL: system.apiUrl,
    NODE_EXTRA_CA_CERTS: system.caFile ?? '',
  };
});
after(async () => {
  await system?.stop();
  scratch.remove();
});

async function ok(args: string[], environment: Record<string, string> = env): Promise<string> {
  const result = await runCli(args, environment);
  assert.equal(result.code, 0, `todo ${args.join(' ')}: ${result.stderr}`);
  assert.equal(result.stderr, '');
  return result.stdout;
}

describe('todo --tls-cert: a certificate-bound token from the https dev IdP, used over mutual TLS', () => {
  test('add and list work; TODO_TLS_CERT/TODO_TLS_KEY do the same', async () => {
    const added = JSON.parse(
      await ok(['add', 'Rotate the client certificate', '--owner', ALICE, '--json', ...withCert(mine)]),
    ) as { id: string; owner: string };
    assert.equal(added.owner, ALICE);
    const listed = JSON.parse(
      await ok(['list', '--json'], { ...env, TODO_TLS_CERT: mine.cert, TODO_TLS_KEY: mine.key }),
    ) as { id: string }[];
    assert.ok(listed.some((item) => item.id === added.id));
  });

  test('todo token shows the binding to this certificate (cnf x5t#S256), never the token', async () => {
    const human = await ok(['token', ...withCert(mine)]);
    assert.match(human, /^Access token of todo-daemon-mtls /);
    assert.match(
      human,
      new RegExp(
        `\\nBound to: TLS client certificate cnf\\.x5t#S256 ${thumbprint(mine.cert)}, this run's --tls-cert `,
      ),
    );
    assert.doesNotMatch(human, JWT);
    const claims = JSON.parse(await ok(['token', '--json', ...withCert(mine)])) as {
      azp?: string;
      cnf?: Record<string, unknown>;
    };
    assert.equal(claims.azp, DEV_CLIENT_IDS.daemonMtls);
    assert.deepEqual(claims.cnf, { 'x5t#S256': thumbprint(mine.cert) });
  });

  test('the same token replayed without the certificate, or with another, is refused (401 invalid_token)', async () => {
    const token = (await ok(['token', '--raw', ...withCert(mine)])).trim();
    assert.match(token, JWT);
    const path = '/api/todos';

    const none = await replay(path, token);
    assert.equal(none.status, 401);
    assert.match(none.challenge, /^Bearer .*error="invalid_token"/);
    assert.equal(none.body.code, 'ERR_MTLS_BINDING');

    const other = await replay(path, token, stranger);
    assert.equal(other.status, 401);
    assert.match(
      other.challenge,
      /error="invalid_token", error_description="The access token is bound to another client certificate"/,
    );
    assert.equal(other.body.code, 'ERR_MTLS_BINDING');

    // Only the certificate makes the difference: with it, the very same token is accepted.
    assert.equal((await replay(path, token, mine)).status, 200);
  });

  test('a certificate the IdP never registered gets no token: exit 3, naming the certificate', async () => {
    const result = await runCli(['list', ...withCert(stranger)], env);
    assert.equal(result.code, 3, result.stderr);
    assert.equal(result.stdout, '');
    assert.match(
      result.stderr,
      /^todo: authentication failed: the identity provider refused client todo-daemon-mtls \(invalid_client.*\); check that the certificate in .*stranger\.pem is registered for the client/,
    );
  });
});

describe('the to-do API behind a TLS-terminating proxy (AUTH_MTLS_CERT_HEADER)', () => {
  /** GET as the proxy would forward it: the client's certificate (URL-encoded PEM) in a header. */
  async function forwarded(url: string, token: string, certFile?: string): Promise<Response> {
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    if (certFile) headers['x-client-cert'] = encodeURIComponent(readFileSync(certFile, 'utf8'));
    return fetch(`${url}/api/todos`, { headers });
  }

  test('the header of a trusted proxy (loopback by default) decides; from any other peer it is ignored', async () => {
    const token = (await ok(['token', '--raw', ...withCert(mine)])).trim();
    const behindProxy = await startApi(system, { AUTH_MTLS_CERT_HEADER: 'X-Client-Cert' });
    const elsewhere = await startApi(system, {
      AUTH_MTLS_CERT_HEADER: 'X-Client-Cert',
      AUTH_MTLS_TRUSTED_PROXIES: '10.0.0.1',
    });
    try {
      assert.equal((await forwarded(behindProxy.url, token, mine.cert)).status, 200);
      for (const refused of [
        await forwarded(behindProxy.url, token, stranger.cert),
        await forwarded(behindProxy.url, token),
        // This test's requests do not come from 10.0.0.1: a header it did not set is a forgery.
        await forwarded(elsewhere.url, token, mine.cert),
      ]) {
        assert.equal(refused.status, 401);
        assert.match(refused.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
        assert.equal(((await refused.json()) as { code?: string }).code, 'ERR_MTLS_BINDING');
      }
    } finally {
      await Promise.all([behindProxy.stop(), elsewhere.stop()]);
    }
  });
});
