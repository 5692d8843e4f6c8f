import assert from 'node:assert/strict';
import { createHash, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { selfSignedCertificate } from 'gatehouse-test-support/certificates';
import { CliError, EXIT } from '../../src/errors.ts';
import { loadClientCertificate, mtlsFetch } from '../../src/mtls.ts';

const dir = mkdtempSync(join(tmpdir(), 'todo-cli-mtls-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function pair(name: string): { cert: string; key: string } {
  return selfSignedCertificate(dir, name);
}

const usage = (pattern: RegExp) => (error: unknown) =>
  error instanceof CliError && error.exitCode === EXIT.usage && pattern.test(error.message);

test('a certificate and its key load, with the thumbprint a bound token carries (cnf x5t#S256)', async () => {
  const alice = pair('alice');
  const loaded = await loadClientCertificate(alice.cert, alice.key);
  const raw = new X509Certificate(readFileSync(alice.cert)).raw;
  assert.equal(loaded.thumbprint, createHash('sha256').update(raw).digest('base64url'));
});

test('a key of another certificate, a file that is no certificate, a missing file: usage errors before anything is sent', async () => {
  const alice = pair('alice2');
  const bob = pair('bob');
  await assert.rejects(loadClientCertificate(alice.cert, bob.key), usage(/is not the key of .*alice2\.pem/));
  const junk = join(dir, 'junk.pem');
  writeFileSync(junk, 'not a certificate');
  await assert.rejects(loadClientCertificate(junk, bob.key), usage(/junk\.pem is not a PEM certificate/));
  await assert.rejects(loadClientCertificate(alice.cert, junk), usage(/junk\.pem is not a PEM private key/));
  await assert.rejects(
    loadClientCertificate(join(dir, 'nope.pem'), bob.key),
    usage(/cannot read .*nope\.pem \(ENOENT\)/),
  );
});

test('mutual TLS fetch refuses plain http: a certificate travels only in a TLS handshake', async () => {
  const alice = pair('alice3');
  const send = mtlsFetch(await loadClientCertificate(alice.cert, alice.key));
  await assert.rejects(send('http://127.0.0.1:1/api/todos'), /mutual TLS needs an https URL/);
});
