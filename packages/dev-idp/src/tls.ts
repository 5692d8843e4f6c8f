/**
 * The https mode's certificates: a development CA and a server certificate it signs, kept in the
 * data directory. MSAL (and any client that insists on https) trusts the server once it is told to
 * trust the CA: `NODE_EXTRA_CA_CERTS=<dataDir>/ca.pem`.
 *
 * Node can make keys but not X.509 certificates, so the `openssl` command signs them (it is part of
 * every Linux distribution and of macOS; LibreSSL works too: only `req` and `x509` with a config
 * file are used, no `-addext`, no `-newkey` options). Keys come from node:crypto.
 */
import { execFile } from 'node:child_process';
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  X509Certificate,
} from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DevIdpError } from './errors.ts';
import { readTextFile, writeSecretFile } from './files.ts';

const run = promisify(execFile);

/** File names inside the data directory (https mode only). */
export const TLS_FILES = {
  /** The development CA's certificate: what clients trust (NODE_EXTRA_CA_CERTS). */
  caCert: 'ca.pem',
  caKey: 'ca.key.pem',
  /** The server's certificate, signed by the CA, for localhost, 127.0.0.1, ::1 and the issuer's host. */
  serverCert: 'tls.pem',
  serverKey: 'tls.key.pem',
} as const;

export interface TlsMaterial {
  key: string;
  cert: string;
  /** Absolute path of the CA certificate clients must trust. */
  caFile: string;
}

const DAY_MS = 24 * 60 * 60 * 1000;
const CA_DAYS = 3650;
const SERVER_DAYS = 825;
// A certificate this close to expiry is replaced at start-up rather than left to fail mid-session.
const RENEW_BEFORE_MS = 30 * DAY_MS;
const LOCK_WAIT_MS = 20_000;
const STALE_LOCK_MS = 60_000;
const DEFAULT_NAMES = ['localhost', '127.0.0.1', '::1'];

interface Files {
  caCert?: string;
  caKey?: string;
  serverCert?: string;
  serverKey?: string;
}

function tlsError(message: string, cause?: unknown): DevIdpError {
  return new DevIdpError('ERR_DEV_IDP_HTTPS', `dev-idp: ${message}`, cause === undefined ? {} : { cause });
}

async function readFiles(dataDir: string): Promise<Files> {
  const [caCert, caKey, serverCert, serverKey] = await Promise.all(
    [TLS_FILES.caCert, TLS_FILES.caKey, TLS_FILES.serverCert, TLS_FILES.serverKey].map((name) =>
      readTextFile(join(dataDir, name)),
    ),
  );
  return { caCert, caKey, serverCert, serverKey };
}

function parse(pem: string | undefined): X509Certificate | undefined {
  if (pem === undefined) return undefined;
  try {
    return new X509Certificate(pem);
  } catch {
    return undefined;
  }
}

function keyMatches(keyPem: string | undefined, cert: X509Certificate): boolean {
  if (keyPem === undefined) return false;
  try {
    const fromKey = createPublicKey(createPrivateKey(keyPem)).export({ format: 'der', type: 'spki' });
    return fromKey.equals(cert.publicKey.export({ format: 'der', type: 'spki' }));
  } catch {
    return false;
  }
}

function fresh(cert: X509Certificate): boolean {
  return new Date(cert.validTo).getTime() - Date.now() > RENEW_BEFORE_MS;
}

function covers(cert: X509Certificate, name: string): boolean {
  const bare = name.replace(/^\[|\]$/g, '');
  return isIP(bare) ? cert.checkIP(bare) !== undefined : cert.checkHost(bare) !== undefined;
}

function usableCa(files: Files): X509Certificate | undefined {
  const ca = parse(files.caCert);
  return ca?.ca && fresh(ca) && keyMatches(files.caKey, ca) ? ca : undefined;
}

function usableServer(files: Files, ca: X509Certificate, names: readonly string[]): boolean {
  const cert = parse(files.serverCert);
  if (!cert) return false;
  return (
    cert.checkIssued(ca) &&
    cert.verify(ca.publicKey) &&
    fresh(cert) &&
    keyMatches(files.serverKey, cert) &&
    names.every((name) => covers(cert, name))
  );
}

function newKeyPem(): string {
  // P-256: small, fast, and accepted by every TLS client MSAL or openid-client could use.
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
}

function serial(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] ?? 0) & 0x7f; // positive, as RFC 5280 requires
  return `0x${bytes.toString('hex')}`;
}

function altNames(names: readonly string[]): string {
  return names
    .map((name) => name.replace(/^\[|\]$/g, ''))
    .map((name) => (isIP(name) ? `IP:${name}` : `DNS:${name}`))
    .join(',');
}

async function openssl(args: string[], cwd: string): Promise<void> {
  try {
    await run('openssl', args, { cwd, timeout: 30_000 });
  } catch (error) {
    if (error instanceof Error && 'code' in error && error.code === 'ENOENT') {
      throw tlsError(
        'https mode needs the openssl command to create its development certificates; install it ' +
          '(Debian/Ubuntu: apt-get install openssl) or run without https',
        error,
      );
    }
    const stderr = error instanceof Error && 'stderr' in error ? String(error.stderr).trim() : '';
    throw tlsError(`openssl ${args[0]} failed: ${stderr.split('\n')[0] || String(error)}`, error);
  }
}

/** Creates a new CA (key and self-signed certificate) in `dir`. */
async function makeCa(dir: string): Promise<{ key: string; cert: string }> {
  const key = newKeyPem();
  await writeFile(join(dir, 'ca.key.pem'), key, { mode: 0o600 });
  await writeFile(
    join(dir, 'ca.cnf'),
    [
      '[req]',
      'prompt = no',
      'distinguished_name = dn',
      'x509_extensions = ext',
      '[dn]',
      'O = Gatehouse dev-idp',
      'CN = Gatehouse dev-idp development CA',
      '[ext]',
      'basicConstraints = critical,CA:TRUE,pathlen:0',
      'keyUsage = critical,keyCertSign,cRLSign',
      'subjectKeyIdentifier = hash',
      '',
    ].join('\n'),
  );
  await openssl(
    [
      'req',
      '-new',
      '-x509',
      '-config',
      'ca.cnf',
      '-key',
      'ca.key.pem',
      '-sha256',
      '-days',
      String(CA_DAYS),
      '-set_serial',
      serial(),
      '-out',
      'ca.pem',
    ],
    dir,
  );
  return { key, cert: await readFile(join(dir, 'ca.pem'), 'utf8') };
}

/** Creates a server key and a certificate for `names`, signed by the CA, in `dir`. */
async function makeServer(
  dir: string,
  ca: { key: string; cert: string },
  names: readonly string[],
): Promise<{ key: string; cert: string }> {
  const key = newKeyPem();
  await writeFile(join(dir, 'signing-ca.key.pem'), ca.key, { mode: 0o600 });
  await writeFile(join(dir, 'signing-ca.pem'), ca.cert);
  await writeFile(join(dir, 'tls.key.pem'), key, { mode: 0o600 });
  await writeFile(
    join(dir, 'server.cnf'),
    [
      '[req]',
      'prompt = no',
      'distinguished_name = dn',
      '[dn]',
      'O = Gatehouse dev-idp',
      `CN = ${names[0] ?? 'localhost'}`,
      '[ext]',
      'basicConstraints = critical,CA:FALSE',
      'keyUsage = critical,digitalSignature,keyEncipherment',
      'extendedKeyUsage = serverAuth',
      `subjectAltName = ${altNames(names)}`,
      'subjectKeyIdentifier = hash',
      'authorityKeyIdentifier = keyid',
      '',
    ].join('\n'),
  );
  await openssl(['req', '-new', '-config', 'server.cnf', '-key', 'tls.key.pem', '-out', 'tls.csr'], dir);
  await openssl(
    [
      'x509',
      '-req',
      '-in',
      'tls.csr',
      '-CA',
      'signing-ca.pem',
      '-CAkey',
      'signing-ca.key.pem',
      '-set_serial',
      serial(),
      '-sha256',
      '-days',
      String(SERVER_DAYS),
      '-extfile',
      'server.cnf',
      '-extensions',
      'ext',
      '-out',
      'tls.pem',
    ],
    dir,
  );
  return { key, cert: await readFile(join(dir, 'tls.pem'), 'utf8') };
}

function isCode(error: unknown, code: string): boolean {
  return error instanceof Error && 'code' in error && error.code === code;
}

/**
 * Runs `work` while holding `<dataDir>/tls.lock`, so that two processes starting on a fresh data
 * directory do not each write half of a CA. A lock older than a minute is a crashed holder's.
 */
async function withLock(dataDir: string, work: () => Promise<void>): Promise<void> {
  const lock = join(dataDir, 'tls.lock');
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      await mkdir(lock, { mode: 0o700 });
      break;
    } catch (error) {
      if (!isCode(error, 'EEXIST')) throw error;
      const since = await stat(lock).then(
        (info) => Date.now() - info.mtimeMs,
        () => 0,
      );
      if (since > STALE_LOCK_MS) await rm(lock, { recursive: true, force: true });
      else if (Date.now() > deadline)
        throw tlsError(`${lock} is held by another process; delete it if none runs`);
      else await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  try {
    await work();
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}

export interface TlsOptions {
  /** Host names and addresses the server certificate must name besides localhost, 127.0.0.1, ::1. */
  hostnames?: readonly string[];
  /** Told when a CA is created, since clients must then be told to trust it. */
  onNewCa?: (caFile: string) => void;
}

/**
 * Loads the CA and server certificate from `dataDir`, creating what is missing, expiring soon, or
 * not naming every host. The CA is kept whenever it is still good, so clients go on trusting it.
 */
export async function loadOrCreateTls(dataDir: string, options: TlsOptions = {}): Promise<TlsMaterial> {
  const names = [...new Set([...DEFAULT_NAMES, ...(options.hostnames ?? [])])];
  const caFile = join(dataDir, TLS_FILES.caCert);
  let files = await readFiles(dataDir);
  let ca = usableCa(files);

  if (!ca || !usableServer(files, ca, names)) {
    await withLock(dataDir, async () => {
      // Another process may have done the work while this one waited for the lock.
      files = await readFiles(dataDir);
      ca = usableCa(files);
      if (ca && usableServer(files, ca, names)) return;
      const work = await mkdtemp(join(tmpdir(), 'dev-idp-tls-'));
      try {
        let caPair = ca && files.caKey && files.caCert ? { key: files.caKey, cert: files.caCert } : undefined;
        if (!caPair) {
          caPair = await makeCa(work);
          await writeSecretFile(join(dataDir, TLS_FILES.caKey), caPair.key);
          await writeSecretFile(caFile, caPair.cert);
          options.onNewCa?.(caFile);
        }
        const server = await makeServer(work, caPair, names);
        await writeSecretFile(join(dataDir, TLS_FILES.serverKey), server.key);
        await writeSecretFile(join(dataDir, TLS_FILES.serverCert), server.cert);
      } finally {
        await rm(work, { recursive: true, force: true });
      }
    });
    files = await readFiles(dataDir);
    ca = usableCa(files);
    if (!ca || !usableServer(files, ca, names)) {
      throw tlsError(
        `the certificates under ${dataDir} are unusable; delete ${TLS_FILES.caCert}, ${TLS_FILES.caKey}, ${TLS_FILES.serverCert} and ${TLS_FILES.serverKey} to start afresh`,
      );
    }
  }
  return { key: files.serverKey ?? '', cert: files.serverCert ?? '', caFile };
}
