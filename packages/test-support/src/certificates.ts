/**
 * Throw-away TLS client certificates for mutual-TLS tests: a P-256 key and a self-signed
 * certificate made by openssl (installed by `.ci/run`), valid for a day.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

export interface CertificateFiles {
  /** The certificate's PEM file. */
  cert: string;
  /** Its private key's PEM file. */
  key: string;
}

/** Writes `<name>.pem` and `<name>.key.pem` into `dir`, subject `CN=<name>`, and returns their paths. */
export function selfSignedCertificate(dir: string, name: string): CertificateFiles {
  const cert = join(dir, `${name}.pem`);
  const key = join(dir, `${name}.key.pem`);
  const args = ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  execFileSync('openssl', [...args, '-keyout', key, '-out', cert, '-days', '1', '-subj', `/CN=${name}`], {
    stdio: 'ignore',
  });
  return { cert, key };
}
