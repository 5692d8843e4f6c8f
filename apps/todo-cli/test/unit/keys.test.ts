import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { DATA_FILES } from 'gatehouse-dev-idp';
import { startQuietDevIdp } from 'gatehouse-test-support/dev-idp';
import { tempDir } from 'gatehouse-test-support/temp';
import { CliError, EXIT } from '../../src/errors.ts';
import { loadSigningKey } from '../../src/keys.ts';

function usageError(message: RegExp) {
  return (error: unknown) =>
    error instanceof CliError && error.exitCode === EXIT.usage && message.test(error.message);
}

test('the kid is the RFC 7638 thumbprint: the one the dev IdP registered for the same key', async (t) => {
  const dir = tempDir('todo-cli-keys-');
  t.after(() => dir.remove());
  const idp = await startQuietDevIdp({ dataDir: dir.path });
  await idp.close();
  const registered = JSON.parse(readFileSync(join(dir.path, DATA_FILES.daemonCertJwks), 'utf8')) as {
    keys: { kid: string }[];
  };
  const signing = await loadSigningKey(join(dir.path, DATA_FILES.daemonCertKey), undefined);
  assert.equal(signing.kid, registered.keys[0]?.kid);
  assert.equal(signing.key.algorithm.name, 'RSASSA-PKCS1-v1_5');
  assert.equal(signing.key.extractable, false);
  assert.equal(signing.certificateHeader, undefined);
});

test('a certificate adds x5t and x5t#S256: the SHA-1 and SHA-256 thumbprints openssl reports', async (t) => {
  const dir = tempDir('todo-cli-keys-');
  t.after(() => dir.remove());
  const key = join(dir.path, 'key.pem');
  const cert = join(dir.path, 'cert.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      key,
      '-subj',
      '/CN=d',
      '-days',
      '2',
      '-out',
      cert,
    ],
    { stdio: 'ignore' },
  );
  const fingerprint = (digest: string) => {
    const out = execFileSync('openssl', ['x509', '-in', cert, '-noout', '-fingerprint', `-${digest}`], {
      encoding: 'utf8',
    });
    const hex = out.trim().split('=')[1]?.replace(/:/g, '') ?? '';
    return Buffer.from(hex, 'hex').toString('base64url');
  };
  const signing = await loadSigningKey(key, cert);
  assert.deepEqual(signing.certificateHeader, {
    x5t: fingerprint('sha1'),
    'x5t#S256': fingerprint('sha256'),
  });
});

test('EC P-256 and Ed25519 keys, PKCS#8 or SEC1/PKCS#1, are accepted', async (t) => {
  const dir = tempDir('todo-cli-keys-');
  t.after(() => dir.remove());
  const ec = join(dir.path, 'ec.pem');
  writeFileSync(
    ec,
    generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'sec1' }),
  );
  assert.equal((await loadSigningKey(ec, undefined)).key.algorithm.name, 'ECDSA');
  const ed = join(dir.path, 'ed.pem');
  writeFileSync(ed, generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }));
  assert.equal((await loadSigningKey(ed, undefined)).key.algorithm.name, 'Ed25519');
  const rsa1 = join(dir.path, 'rsa1.pem');
  writeFileSync(
    rsa1,
    generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'pem', type: 'pkcs1' }),
  );
  assert.equal((await loadSigningKey(rsa1, undefined)).key.algorithm.name, 'RSASSA-PKCS1-v1_5');
});

test('unusable files are configuration errors naming the file', async (t) => {
  const dir = tempDir('todo-cli-keys-');
  t.after(() => dir.remove());
  const encrypted = join(dir.path, 'encrypted.pem');
  writeFileSync(
    encrypted,
    generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
      format: 'pem',
      type: 'pkcs8',
      cipher: 'aes-256-cbc',
      passphrase: 'pw',
    }),
  );
  await assert.rejects(
    loadSigningKey(encrypted, undefined),
    usageError(/encrypted\.pem is encrypted; decrypt it/),
  );

  const notAKey = join(dir.path, 'cert-only.pem');
  writeFileSync(notAKey, 'hello');
  await assert.rejects(
    loadSigningKey(notAKey, undefined),
    usageError(/cert-only\.pem is not a PEM private key/),
  );

  const dsa = join(dir.path, 'x448.pem');
  writeFileSync(dsa, generateKeyPairSync('x448').privateKey.export({ format: 'pem', type: 'pkcs8' }));
  await assert.rejects(loadSigningKey(dsa, undefined), usageError(/holds a x448 key; use RSA/));

  const key = join(dir.path, 'key.pem');
  writeFileSync(
    key,
    generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'pkcs8' }),
  );
  await assert.rejects(
    loadSigningKey(key, join(dir.path, 'missing.crt')),
    usageError(/TODO_CERTIFICATE: cannot read .*missing\.crt \(ENOENT\)/),
  );
  await assert.rejects(
    loadSigningKey(key, notAKey),
    usageError(/TODO_CERTIFICATE: .*cert-only\.pem is not a PEM certificate/),
  );
});
