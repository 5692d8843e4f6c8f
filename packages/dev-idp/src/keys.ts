import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { calculateJwkThumbprint, exportJWK, exportPKCS8, generateKeyPair, importPKCS8, type JWK } from 'jose';
import { DevIdpError } from './errors.ts';
import { createSecretFile, readJsonFile, readTextFile } from './files.ts';

/** File names inside the data directory. */
export const DATA_FILES = {
  signingKeys: 'signing-keys.jwks.json',
  cookieKeys: 'cookie-keys.json',
  /** Public key set registered for the `todo-daemon-cert` client (private_key_jwt). */
  daemonCertJwks: 'daemon-cert.jwks.json',
  /** Its private key, PKCS#8 PEM, for whoever plays the daemon. */
  daemonCertKey: 'daemon-cert.key.pem',
} as const;

export interface DevIdpKeys {
  /** Private signing keys, as oidc-provider's `jwks` option wants them. */
  signing: { keys: JWK[] };
  /** Secrets that sign oidc-provider's cookies (Keygrip). */
  cookieKeys: string[];
  /** Public keys of `todo-daemon-cert`. */
  daemonCert: { keys: JWK[] };
}

const ALG = 'RS256';

async function newKeyPair() {
  return generateKeyPair(ALG, { extractable: true, modulusLength: 2048 });
}

async function describe(jwk: JWK): Promise<JWK> {
  return { ...jwk, kid: await calculateJwkThumbprint(jwk), alg: ALG, use: 'sig' };
}

function isKeySet(value: unknown, needPrivate: boolean): value is { keys: JWK[] } {
  if (typeof value !== 'object' || value === null || !('keys' in value) || !Array.isArray(value.keys)) {
    return false;
  }
  return (
    value.keys.length > 0 && value.keys.every((key: JWK) => key.kty === 'RSA' && !needPrivate === !key.d)
  );
}

function corrupt(path: string, expected: string): DevIdpError {
  return new DevIdpError(
    'ERR_DEV_IDP_DATA',
    `dev-idp: ${path} is not ${expected}; delete it to start afresh`,
  );
}

/** Reads the JSON file, or creates it with `make()` first; a concurrent creator's content wins. */
async function loadOrCreate(path: string, make: () => Promise<unknown>): Promise<unknown> {
  const existing = await readJsonFile(path);
  if (existing !== undefined) return existing;
  await createSecretFile(path, `${JSON.stringify(await make(), null, 2)}\n`);
  return readJsonFile(path);
}

async function loadSigningKeys(dataDir: string): Promise<{ keys: JWK[] }> {
  const path = join(dataDir, DATA_FILES.signingKeys);
  const value = await loadOrCreate(path, async () => {
    const { privateKey } = await newKeyPair();
    return { keys: [await describe(await exportJWK(privateKey))] };
  });
  if (!isKeySet(value, true)) throw corrupt(path, 'a set of private RSA keys');
  return value;
}

async function loadCookieKeys(dataDir: string): Promise<string[]> {
  const path = join(dataDir, DATA_FILES.cookieKeys);
  const value = await loadOrCreate(path, async () => [randomBytes(32).toString('base64url')]);
  if (!Array.isArray(value) || value.length === 0 || !value.every((key) => typeof key === 'string')) {
    throw corrupt(path, 'an array of strings');
  }
  return value;
}

async function loadDaemonCert(dataDir: string): Promise<{ keys: JWK[] }> {
  const jwksPath = join(dataDir, DATA_FILES.daemonCertJwks);
  const keyPath = join(dataDir, DATA_FILES.daemonCertKey);
  const value = await loadOrCreate(jwksPath, async () => {
    if ((await readTextFile(keyPath)) === undefined) {
      const { privateKey } = await newKeyPair();
      await createSecretFile(keyPath, await exportPKCS8(privateKey));
    }
    // Derive from the file rather than the fresh key: a concurrent start may have written another one.
    const pem = (await readTextFile(keyPath)) ?? '';
    const {
      d: _d,
      p: _p,
      q: _q,
      dp: _dp,
      dq: _dq,
      qi: _qi,
      ...publicJwk
    } = await exportJWK(await importPKCS8(pem, ALG, { extractable: true }));
    return { keys: [await describe(publicJwk)] };
  });
  if (!isKeySet(value, false)) throw corrupt(jwksPath, 'a set of public RSA keys');
  return value;
}

/** Loads the keys from the data directory, generating any that are missing (first start). */
export async function loadOrCreateKeys(dataDir: string): Promise<DevIdpKeys> {
  const [signing, cookieKeys, daemonCert] = await Promise.all([
    loadSigningKeys(dataDir),
    loadCookieKeys(dataDir),
    loadDaemonCert(dataDir),
  ]);
  return { signing, cookieKeys, daemonCert };
}
