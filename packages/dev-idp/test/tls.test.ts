import 'reflect-metadata';
import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey, generateKeyPairSync, X509Certificate } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer, get } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import * as x509 from '@peculiar/x509';
import { TLS_FILES } from '../src/index.ts';
import { loadOrCreateTls } from '../src/tls.ts';
import { tempDataDir } from './helpers.ts';

const DAY_MS = 24 * 60 * 60 * 1000;
const ecdsa = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

async function cryptoKeys(): Promise<{ pem: string; keys: CryptoKeyPair }> {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  const keys = {
    privateKey: await crypto.subtle.importKey(
      'pkcs8',
      createPrivateKey(pem).export({ format: 'der', type: 'pkcs8' }),
      ecdsa,
      false,
      ['sign'],
    ),
    publicKey: await crypto.subtle.importKey(
      'spki',
      createPublicKey(pem).export({ format: 'der', type: 'spki' }),
      ecdsa,
      true,
      ['verify'],
    ),
  };
  return { pem, keys };
}

/** Serves one https request with `material` and answers what a client trusting only `ca` saw. */
async function handshake(material: { key: string; cert: string }, ca: string): Promise<string> {
  const server = createServer(material, (_req, res) => res.end('ok'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    return await new Promise<string>((resolve, reject) => {
      get(`https://localhost:${port}/`, { ca, agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('end', () => resolve(body));
      }).on('error', reject);
    });
  } finally {
    server.close();
  }
}

test('tls: a CA made elsewhere (its own key identifier) is kept, and the server certificate it signs chains to it', async (t) => {
  const dataDir = await tempDataDir(t);
  const { pem, keys } = await cryptoKeys();
  // A key identifier that is not the SHA-1 of the key, as some tools make: the server
  // certificate's authority key identifier must repeat it, or chain building fails.
  const keyId = 'c0ffee00c0ffee00c0ffee00';
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: 'CN=A CA from another tool',
    notBefore: new Date(Date.now() - DAY_MS),
    notAfter: new Date(Date.now() + 400 * DAY_MS),
    keys,
    signingAlgorithm: ecdsa,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true),
      new x509.SubjectKeyIdentifierExtension(keyId),
    ],
  });
  const caPem = ca.toString('pem');
  await writeFile(join(dataDir, TLS_FILES.caCert), caPem, { mode: 0o600 });
  await writeFile(join(dataDir, TLS_FILES.caKey), pem, { mode: 0o600 });

  const material = await loadOrCreateTls(dataDir, { hostnames: ['idp.localhost'] });
  assert.equal(await readFile(join(dataDir, TLS_FILES.caCert), 'utf8'), caPem, 'the CA stays');
  const server = new x509.X509Certificate(material.cert);
  assert.equal(server.getExtension(x509.AuthorityKeyIdentifierExtension)?.keyId, keyId);
  const nodeServer = new X509Certificate(material.cert);
  assert.ok(nodeServer.checkIssued(new X509Certificate(caPem)));
  assert.ok(nodeServer.checkHost('idp.localhost'));
  assert.ok(nodeServer.checkIP('::1'));
  assert.equal(await handshake(material, caPem), 'ok');
});

test('tls: a server certificate expiring within 30 days is reissued by the same CA', async (t) => {
  const dataDir = await tempDataDir(t);
  const first = await loadOrCreateTls(dataDir);
  const caPem = await readFile(join(dataDir, TLS_FILES.caCert), 'utf8');
  const caKeyPem = await readFile(join(dataDir, TLS_FILES.caKey), 'utf8');
  assert.equal(await handshake(first, caPem), 'ok');

  // The same key and names, but only 10 days left.
  const caSigning = await crypto.subtle.importKey(
    'pkcs8',
    createPrivateKey(caKeyPem).export({ format: 'der', type: 'pkcs8' }),
    ecdsa,
    false,
    ['sign'],
  );
  const current = new x509.X509Certificate(first.cert);
  const expiring = await x509.X509CertificateGenerator.create({
    serialNumber: '02',
    subject: current.subjectName,
    issuer: current.issuerName,
    notBefore: new Date(Date.now() - DAY_MS),
    notAfter: new Date(Date.now() + 10 * DAY_MS),
    publicKey: current.publicKey,
    signingKey: caSigning,
    signingAlgorithm: ecdsa,
    extensions: current.extensions,
  });
  await writeFile(join(dataDir, TLS_FILES.serverCert), expiring.toString('pem'), { mode: 0o600 });
  assert.equal(await handshake({ key: first.key, cert: expiring.toString('pem') }, caPem), 'ok');

  const again = await loadOrCreateTls(dataDir);
  assert.notEqual(again.cert, expiring.toString('pem'));
  assert.equal(await readFile(join(dataDir, TLS_FILES.caCert), 'utf8'), caPem, 'the CA stays');
  const renewed = new X509Certificate(again.cert);
  assert.ok(new Date(renewed.validTo).getTime() - Date.now() > 700 * DAY_MS);
  assert.ok(renewed.checkIssued(new X509Certificate(caPem)));
  assert.equal(await handshake(again, caPem), 'ok');
});
