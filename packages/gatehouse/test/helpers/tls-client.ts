/** A client with a certificate for the certificate-bound token suites (RFC 8705): its PEM pair, and a GET over https. */
import { createHash, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { selfSignedCertificate } from 'gatehouse-test-support/certificates';
import type { Reply } from '../adapters/http-client.ts';

export interface CertificatePair {
  key: string;
  cert: string;
  /** `x5t#S256`: base64url SHA-256 of the DER certificate, what a bound token's `cnf` names. */
  thumbprint: string;
}

/** A new self-signed certificate and key, as PEM text, made in `dir`. */
export function makeCertificatePair(dir: string, name: string): CertificatePair {
  const files = selfSignedCertificate(dir, name);
  const cert = readFileSync(files.cert, 'utf8');
  const thumbprint = createHash('sha256').update(new X509Certificate(cert).raw).digest('base64url');
  return { key: readFileSync(files.key, 'utf8'), cert, thumbprint };
}

/** GET `${url}/read` over https, presenting `client`'s certificate when given (the server's own is self-signed). */
export function tlsGet(
  url: string,
  token: string,
  client: CertificatePair | undefined,
  headers: Record<string, string> = { authorization: `Bearer ${token}` },
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}/read`,
      {
        headers,
        agent: false,
        rejectUnauthorized: false, // the test server's own self-signed certificate
        ...(client ? { key: client.key, cert: client.cert } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text: Buffer.concat(chunks).toString(),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}
