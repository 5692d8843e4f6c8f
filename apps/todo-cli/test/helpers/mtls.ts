/** What the certificate-bound e2e suites share: a client's certificate files, and a request the way curl makes it. */
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import type { System } from './system.ts';

/** A client certificate and its private key, as PEM files. */
export interface CertificatePair {
  cert: string;
  key: string;
}

export interface Answer {
  status: number;
  challenge: string;
  body: Record<string, unknown>;
}

/** The CLI's options for presenting `pair` on every TLS connection. */
export const withCert = (pair: CertificatePair): string[] => ['--tls-cert', pair.cert, '--tls-key', pair.key];

/**
 * What curl would do: GET `path` of the to-do API with `token` as Bearer, trusting the system's CA,
 * with or without a client certificate.
 */
export function getWithToken(
  system: System,
  path: string,
  token: string,
  client?: CertificatePair,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${system.apiUrl}${path}`,
      {
        headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
        ca: readFileSync(system.caFile ?? '', 'utf8'),
        agent: false,
        ...(client ? { cert: readFileSync(client.cert), key: readFileSync(client.key) } : {}),
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            challenge: String(res.headers['www-authenticate'] ?? ''),
            body: JSON.parse(text) as Record<string, unknown>,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}
