/**
 * The TLS client certificate of `todo-daemon-mtls` (RFC 8705): a self-signed certificate and its
 * key, kept in the data directory for whoever plays the daemon (`todo --tls-cert --tls-key`). The
 * client is registered with this certificate in its `jwks` (`x5c`), which is how
 * `self_signed_tls_client_auth` (RFC 8705 §2.2) recognises it: by the certificate's SHA-256
 * thumbprint, with no CA involved. https mode only: a certificate is presented in a TLS handshake.
 */
import { createPublicKey } from 'node:crypto';
import { join } from 'node:path';
import type { JWK } from 'jose';
import { DevIdpError } from './errors.ts';
import { createSecretFile, readTextFile, writeSecretFile } from './files.ts';
import {
  certificateError,
  fresh,
  keyMatches,
  loadX509,
  newKeyPem,
  parse,
  publicCryptoKey,
  serial,
  signerOf,
  validity,
} from './tls.ts';

/** File names inside the data directory (https mode only). */
export const CLIENT_CERTIFICATE_FILES = {
  /** The certificate `todo-daemon-mtls` presents (PEM). */
  cert: 'mtls-client.pem',
  /** Its private key (PKCS#8 PEM). */
  key: 'mtls-client.key.pem',
} as const;

const CLIENT_DAYS = 825;

export interface ClientCertificate {
  /** PEM. */
  cert: string;
  /** The public key as a JWK whose `x5c` is the certificate: what the client registers. */
  jwk: JWK;
}

function makeClientCertificate(keyPem: string): Promise<string> {
  return certificateError('mutual TLS client certificate', async () => {
    const x509 = await loadX509();
    const signer = await signerOf(keyPem);
    const publicKey = await publicCryptoKey(createPublicKey(keyPem));
    const name = 'O=Gatehouse dev-idp, CN=todo-daemon-mtls';
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: serial(),
      subject: name,
      issuer: name,
      ...validity(CLIENT_DAYS),
      publicKey,
      signingKey: signer.key,
      signingAlgorithm: signer.algorithm,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth]),
      ],
    });
    return cert.toString('pem');
  });
}

/** Loads the client certificate from `dataDir`, creating it (and its key) when missing or stale. */
export async function loadOrCreateClientCertificate(dataDir: string): Promise<ClientCertificate> {
  const keyPath = join(dataDir, CLIENT_CERTIFICATE_FILES.key);
  const certPath = join(dataDir, CLIENT_CERTIFICATE_FILES.cert);
  // A concurrent start may write the key first: both then go on with the file's content.
  if ((await readTextFile(keyPath)) === undefined) await createSecretFile(keyPath, newKeyPem());
  const keyPem = (await readTextFile(keyPath)) ?? '';
  let cert = parse(await readTextFile(certPath));
  if (!cert || !fresh(cert) || !keyMatches(keyPem, cert)) {
    await writeSecretFile(certPath, await makeClientCertificate(keyPem));
    cert = parse(await readTextFile(certPath));
  }
  if (!cert)
    throw new DevIdpError('ERR_DEV_IDP_HTTPS', `dev-idp: ${certPath} is unusable; delete it to start afresh`);
  const jwk = cert.publicKey.export({ format: 'jwk' }) as JWK;
  return { cert: cert.toString(), jwk: { ...jwk, x5c: [cert.raw.toString('base64')] } };
}
