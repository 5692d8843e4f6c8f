/**
 * The https mode's certificates: a development CA and a server certificate it signs, kept in the
 * data directory. MSAL (and any client that insists on https) trusts the server once it is told to
 * trust the CA: `NODE_EXTRA_CA_CERTS=<dataDir>/ca.pem`.
 *
 * Node can make keys but not X.509 certificates; @peculiar/x509 (pure JavaScript over WebCrypto)
 * encodes and signs them, so https mode needs no external command. It is loaded only when a
 * certificate has to be made: a data directory with good certificates, or plain http, never loads it.
 */
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
  X509Certificate,
} from 'node:crypto';
import { mkdir, rm, stat } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { DevIdpError } from './errors.ts';
import { readTextFile, writeSecretFile } from './files.ts';

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

export function parse(pem: string | undefined): X509Certificate | undefined {
  if (pem === undefined) return undefined;
  try {
    return new X509Certificate(pem);
  } catch {
    return undefined;
  }
}

export function keyMatches(keyPem: string | undefined, cert: X509Certificate): boolean {
  if (keyPem === undefined) return false;
  try {
    const fromKey = createPublicKey(createPrivateKey(keyPem)).export({ format: 'der', type: 'spki' });
    return fromKey.equals(cert.publicKey.export({ format: 'der', type: 'spki' }));
  } catch {
    return false;
  }
}

export function fresh(cert: X509Certificate): boolean {
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

export function newKeyPem(): string {
  // P-256: small, fast, and accepted by every TLS client MSAL or openid-client could use.
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
}

export function serial(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] ?? 0) & 0x7f; // positive, as RFC 5280 requires
  return bytes.toString('hex');
}

type X509 = typeof import('@peculiar/x509');
let x509Module: Promise<X509> | undefined;

export function loadX509(): Promise<X509> {
  x509Module ??= (async () => {
    // @peculiar/x509 resolves its parts through tsyringe, which needs the Reflect metadata API
    // installed before it loads.
    await import('reflect-metadata');
    const x509 = await import('@peculiar/x509');
    x509.cryptoProvider.set(crypto);
    return x509;
  })();
  return x509Module;
}

interface Signer {
  key: CryptoKey;
  algorithm: EcdsaParams | Algorithm;
}

/** The WebCrypto form of a PEM private key, and the signature algorithm that goes with it. */
export async function signerOf(keyPem: string): Promise<Signer> {
  const key = createPrivateKey(keyPem);
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'ec') {
    const curve =
      details.namedCurve === 'secp384r1' ? 'P-384' : details.namedCurve === 'secp521r1' ? 'P-521' : 'P-256';
    const hash = curve === 'P-256' ? 'SHA-256' : curve === 'P-384' ? 'SHA-384' : 'SHA-512';
    const algorithm: EcKeyImportParams & EcdsaParams = { name: 'ECDSA', namedCurve: curve, hash };
    return { key: await importPrivate(key, algorithm), algorithm };
  }
  if (key.asymmetricKeyType === 'rsa') {
    const algorithm: RsaHashedImportParams = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
    return { key: await importPrivate(key, algorithm), algorithm };
  }
  throw tlsError(`the CA key is of type ${String(key.asymmetricKeyType)}; delete it to start afresh`);
}

function importPrivate(
  key: KeyObject,
  algorithm: EcKeyImportParams | RsaHashedImportParams,
): Promise<CryptoKey> {
  const der = key.export({ format: 'der', type: 'pkcs8' });
  return crypto.subtle.importKey('pkcs8', der, algorithm, false, ['sign']);
}

export function publicCryptoKey(key: KeyObject): Promise<CryptoKey> {
  const der = key.export({ format: 'der', type: 'spki' });
  return crypto.subtle.importKey('spki', der, { name: 'ECDSA', namedCurve: 'P-256' }, true, ['verify']);
}

export function validity(days: number): { notBefore: Date; notAfter: Date } {
  // Backdated a little, so a client whose clock lags by a minute still accepts a fresh certificate.
  const now = Date.now();
  return { notBefore: new Date(now - 5 * 60_000), notAfter: new Date(now + days * DAY_MS) };
}

export async function certificateError<T>(what: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof DevIdpError) throw error;
    throw tlsError(
      `could not create the ${what}: ${error instanceof Error ? error.message : String(error)}`,
      error,
    );
  }
}

/** Creates a new CA: a key and a self-signed certificate. */
function makeCa(): Promise<{ key: string; cert: string }> {
  return certificateError('development CA', async () => {
    const x509 = await loadX509();
    const key = newKeyPem();
    const signer = await signerOf(key);
    const publicKey = await publicCryptoKey(createPublicKey(key));
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: serial(),
      subject: 'O=Gatehouse dev-idp, CN=Gatehouse dev-idp development CA',
      issuer: 'O=Gatehouse dev-idp, CN=Gatehouse dev-idp development CA',
      ...validity(CA_DAYS),
      publicKey,
      signingKey: signer.key,
      signingAlgorithm: signer.algorithm,
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(publicKey),
      ],
    });
    return { key, cert: cert.toString('pem') };
  });
}

/** Creates a server key and a certificate for `names`, signed by the CA. */
function makeServer(
  ca: { key: string; cert: string },
  names: readonly string[],
): Promise<{ key: string; cert: string }> {
  return certificateError('server certificate', async () => {
    const x509 = await loadX509();
    const caCert = new x509.X509Certificate(ca.cert);
    const signer = await signerOf(ca.key);
    const key = newKeyPem();
    const publicKey = await publicCryptoKey(createPublicKey(key));
    // The authority key identifier must repeat the CA's own subject key identifier, whichever way
    // that was computed (an older CA of this data directory was made by openssl).
    const caKeyId = caCert.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId;
    const bare = [...new Set(names.map((name) => name.replace(/^\[|\]$/g, '')))];
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: serial(),
      subject: [{ O: ['Gatehouse dev-idp'] }, { CN: [bare[0] ?? 'localhost'] }],
      issuer: caCert.subjectName,
      ...validity(SERVER_DAYS),
      publicKey,
      signingKey: signer.key,
      signingAlgorithm: signer.algorithm,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(
          x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment,
          true,
        ),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
        new x509.SubjectAlternativeNameExtension(
          bare.map((name) => ({ type: isIP(name) ? ('ip' as const) : ('dns' as const), value: name })),
        ),
        await x509.SubjectKeyIdentifierExtension.create(publicKey),
        caKeyId === undefined
          ? await x509.AuthorityKeyIdentifierExtension.create(caCert.publicKey)
          : new x509.AuthorityKeyIdentifierExtension(caKeyId),
      ],
    });
    return { key, cert: cert.toString('pem') };
  });
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
      let caPair = ca && files.caKey && files.caCert ? { key: files.caKey, cert: files.caCert } : undefined;
      if (!caPair) {
        caPair = await makeCa();
        await writeSecretFile(join(dataDir, TLS_FILES.caKey), caPair.key);
        await writeSecretFile(caFile, caPair.cert);
        options.onNewCa?.(caFile);
      }
      const server = await makeServer(caPair, names);
      await writeSecretFile(join(dataDir, TLS_FILES.serverKey), server.key);
      await writeSecretFile(join(dataDir, TLS_FILES.serverCert), server.cert);
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
