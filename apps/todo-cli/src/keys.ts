/**
 * The key a `private_key_jwt` client signs its assertions with, loaded from a PEM file, and, when a
 * certificate is given, the thumbprints Entra ID uses to find the registered certificate
 * (`x5t#S256`, and `x5t` for older tenants). Microsoft's daemon tutorial recommends certificates over secrets: a key
 * never leaves this machine, while a secret travels with every token request.
 */
import { createHash, createPrivateKey, createPublicKey, type KeyObject, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { CliError, usageError } from './errors.ts';

export interface SigningKey {
  key: CryptoKey;
  /** RFC 7638 thumbprint of the public key: the `kid` a JWKS built from this key would carry. */
  kid: string;
  /** Header members naming the certificate, when one was given. */
  certificateHeader: { x5t: string; 'x5t#S256': string } | undefined;
}

type ImportAlgorithm = RsaHashedImportParams | EcKeyImportParams | Algorithm;

function algorithmFor(key: KeyObject): ImportAlgorithm | undefined {
  switch (key.asymmetricKeyType) {
    case 'rsa':
      // RS256: what Entra ID, the dev IdP and every OpenID provider accept for private_key_jwt.
      return { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
    case 'ec': {
      const curve = { prime256v1: 'P-256', secp384r1: 'P-384', secp521r1: 'P-521' }[
        String(key.asymmetricKeyDetails?.namedCurve)
      ];
      return curve ? { name: 'ECDSA', namedCurve: curve } : undefined;
    }
    case 'ed25519':
      return { name: 'Ed25519' };
    default:
      return undefined;
  }
}

/** RFC 7638: SHA-256 over the required public members, in lexicographic order, no whitespace. */
function thumbprint(key: KeyObject): string {
  const jwk = createPublicKey(key).export({ format: 'jwk' });
  const required: Record<string, string[]> = {
    RSA: ['e', 'kty', 'n'],
    EC: ['crv', 'kty', 'x', 'y'],
    OKP: ['crv', 'kty', 'x'],
  };
  const members = required[String(jwk.kty)] ?? [];
  const canonical = JSON.stringify(
    Object.fromEntries(members.map((name) => [name, jwk[name as keyof typeof jwk]])),
  );
  return createHash('sha256').update(canonical).digest('base64url');
}

/** A PEM file's text; an unreadable file is a usage error naming the setting (`label`) and the path. */
export async function readPem(path: string, label: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const code = error instanceof Error && 'code' in error ? String(error.code) : 'unreadable';
    throw usageError(`${label}: cannot read ${path} (${code})`);
  }
}

function spki(key: KeyObject): Buffer {
  return (key.type === 'public' ? key : createPublicKey(key)).export({ format: 'der', type: 'spki' });
}

export async function loadSigningKey(
  keyFile: string,
  certificateFile: string | undefined,
): Promise<SigningKey> {
  const pem = await readPem(keyFile, 'TODO_PRIVATE_KEY');
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(pem);
  } catch {
    // PKCS#8 ("BEGIN ENCRYPTED PRIVATE KEY") or legacy OpenSSL ("Proc-Type: 4,ENCRYPTED").
    const encrypted = /ENCRYPTED/.test(pem);
    throw usageError(
      encrypted
        ? `TODO_PRIVATE_KEY: ${keyFile} is encrypted; decrypt it (openssl pkey -in key.pem -out plain.pem) and keep that file mode 0600`
        : `TODO_PRIVATE_KEY: ${keyFile} is not a PEM private key (PKCS#8 "BEGIN PRIVATE KEY", or PKCS#1/SEC1)`,
    );
  }
  const algorithm = algorithmFor(privateKey);
  if (!algorithm) {
    throw usageError(
      `TODO_PRIVATE_KEY: ${keyFile} holds a ${privateKey.asymmetricKeyType} key; use RSA (2048+ bits), EC P-256/384/521 or Ed25519`,
    );
  }

  let certificateHeader: SigningKey['certificateHeader'];
  if (certificateFile !== undefined) {
    let certificate: X509Certificate;
    try {
      certificate = new X509Certificate(await readPem(certificateFile, 'TODO_CERTIFICATE'));
    } catch (error) {
      if (error instanceof CliError) throw error;
      throw usageError(`TODO_CERTIFICATE: ${certificateFile} is not a PEM certificate`);
    }
    if (!spki(certificate.publicKey).equals(spki(privateKey))) {
      throw usageError(
        `TODO_CERTIFICATE: ${certificateFile} is not the certificate of the key in ${keyFile}`,
      );
    }
    certificateHeader = {
      x5t: createHash('sha1').update(certificate.raw).digest('base64url'),
      'x5t#S256': createHash('sha256').update(certificate.raw).digest('base64url'),
    };
  }

  return {
    // Not extractable: once imported, the key can sign but nothing can read it back out.
    key: await crypto.subtle.importKey(
      'pkcs8',
      privateKey.export({ format: 'der', type: 'pkcs8' }),
      algorithm,
      false,
      ['sign'],
    ),
    kid: thumbprint(privateKey),
    certificateHeader,
  };
}
