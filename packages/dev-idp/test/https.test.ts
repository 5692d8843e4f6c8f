import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { get } from 'node:https';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { startDevIdp, TLS_FILES } from '../src/index.ts';
import { silent, startTestIdp, tempDataDir } from './helpers.ts';

const execFileAsync = promisify(execFile);

/** GET over https trusting only `ca` (this process has no NODE_EXTRA_CA_CERTS). */
function getJson(url: string, ca: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    get(url, { ca }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => {
        try {
          resolve(JSON.parse(body) as Record<string, unknown>);
        } catch (error) {
          reject(error);
        }
      });
    }).on('error', reject);
  });
}

test('https mode: a development CA and a localhost certificate, discovery over https', async (t) => {
  const dataDir = await tempDataDir(t);
  const idp = await startTestIdp(t, { dataDir, https: true });
  assert.match(idp.issuer, /^https:\/\/localhost:\d+$/);
  assert.match(idp.url, /^https:\/\/127\.0\.0\.1:\d+$/);
  assert.equal(idp.caFile, join(dataDir, TLS_FILES.caCert));

  const ca = await readFile(join(dataDir, TLS_FILES.caCert), 'utf8');
  const metadata = await getJson(`${idp.issuer}/.well-known/openid-configuration`, ca);
  assert.equal(metadata.issuer, idp.issuer);
  assert.equal(metadata.token_endpoint, `${idp.issuer}/token`);
  // The same certificate serves the address the server is bound to.
  assert.equal((await getJson(`${idp.url}/.well-known/openid-configuration`, ca)).issuer, idp.issuer);

  const caCert = new X509Certificate(ca);
  const server = new X509Certificate(await readFile(join(dataDir, TLS_FILES.serverCert)));
  assert.ok(caCert.ca);
  assert.ok(!server.ca);
  assert.ok(server.verify(caCert.publicKey));
  assert.ok(server.checkHost('localhost'));
  assert.ok(server.checkIP('127.0.0.1'));
  for (const name of [TLS_FILES.caKey, TLS_FILES.serverKey]) {
    assert.equal((await stat(join(dataDir, name))).mode & 0o777, 0o600, name);
  }

  // A client that was not told to trust the CA refuses the server.
  await assert.rejects(fetch(`${idp.issuer}/.well-known/openid-configuration`), (error: Error) => {
    assert.match(
      String((error.cause as { code?: string } | undefined)?.code),
      /UNABLE_TO_VERIFY|SELF_SIGNED/,
    );
    return true;
  });
});

test('https mode: NODE_EXTRA_CA_CERTS makes a client process trust the issuer', async (t) => {
  const dataDir = await tempDataDir(t);
  const idp = await startTestIdp(t, { dataDir, https: true });
  const script = `const r = await fetch(${JSON.stringify(`${idp.issuer}/.well-known/openid-configuration`)}); console.log((await r.json()).issuer);`;
  const { stdout } = await execFileAsync(process.execPath, ['--input-type=module', '-e', script], {
    env: { ...process.env, NODE_EXTRA_CA_CERTS: idp.caFile },
  });
  assert.equal(stdout.trim(), idp.issuer);
});

test('https mode: a restart keeps the CA and the certificate; concurrent first starts share one CA', async (t) => {
  const dataDir = await tempDataDir(t);
  const [a, b] = await Promise.all([
    startDevIdp({ port: 0, dataDir, https: true, logger: silent }),
    startDevIdp({ port: 0, dataDir, https: true, logger: silent }),
  ]);
  const ca = await readFile(join(dataDir, TLS_FILES.caCert), 'utf8');
  const cert = await readFile(join(dataDir, TLS_FILES.serverCert), 'utf8');
  try {
    for (const idp of [a, b]) {
      assert.equal((await getJson(`${idp.issuer}/.well-known/openid-configuration`, ca)).issuer, idp.issuer);
    }
  } finally {
    await Promise.all([a.close(), b.close()]);
  }

  const again = await startTestIdp(t, { dataDir, https: true });
  assert.equal(await readFile(join(dataDir, TLS_FILES.caCert), 'utf8'), ca);
  assert.equal(await readFile(join(dataDir, TLS_FILES.serverCert), 'utf8'), cert);
  assert.ok(Array.isArray((await getJson(`${again.issuer}/jwks`, ca)).keys));
});

test('https mode: a certificate not naming the issuer host is reissued by the same CA', async (t) => {
  const dataDir = await tempDataDir(t);
  const first = await startDevIdp({ port: 0, dataDir, https: true, logger: silent });
  await first.close();
  const ca = await readFile(join(dataDir, TLS_FILES.caCert), 'utf8');

  const idp = await startTestIdp(t, { dataDir, https: true, issuer: 'https://idp.localhost:3999' });
  assert.equal(idp.issuer, 'https://idp.localhost:3999');
  assert.equal(await readFile(join(dataDir, TLS_FILES.caCert), 'utf8'), ca, 'the CA stays trusted');
  const server = new X509Certificate(await readFile(join(dataDir, TLS_FILES.serverCert)));
  assert.ok(server.checkHost('idp.localhost'));
  assert.ok(server.checkHost('localhost'));
});

test('https mode: an http issuer is refused, naming the option', async () => {
  await assert.rejects(
    startDevIdp({ port: 0, https: true, issuer: 'http://localhost:3001', logger: silent }),
    /option issuer must be https when option https is true/,
  );
});
