/**
 * The API serving https itself (`TLS_CERT`, `TLS_KEY`) for certificate-bound tokens (RFC 8705):
 * it asks every client for a certificate, requires none, and verifies no chain. A bound token's
 * `cnf["x5t#S256"]` names the one certificate that may present it, which the authorization server
 * checked when it authenticated the client (against a CA, §2.1, or its registration, §2.2);
 * Gatehouse compares thumbprints. A CA check here would add nothing for bound tokens, refuse
 * self-signed clients, and turn away clients (and browsers) that send no certificate at all.
 */
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { FastifyServerFactory } from 'fastify';
import type { TlsConfig } from './config.ts';
import { ConfigError } from './config-error.ts';

export interface TlsMaterial {
  cert: string;
  key: string;
}

function readPem(variable: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const code = error instanceof Error && 'code' in error ? String(error.code) : 'unreadable';
    throw new ConfigError(variable, `cannot be read: ${path} (${code})`);
  }
}

/** Reads the certificate and key at start-up, so that a wrong path is one clear line. */
export function readTls(config: TlsConfig): TlsMaterial {
  return { cert: readPem('TLS_CERT', config.certFile), key: readPem('TLS_KEY', config.keyFile) };
}

/** Fastify's server: https, requesting (never requiring) a client certificate. */
export function httpsServerFactory(material: TlsMaterial): FastifyServerFactory {
  return (handler) =>
    // An https.Server is an http.Server for everything Fastify does with it (listen, close, connections).
    createHttpsServer(
      { ...material, requestCert: true, rejectUnauthorized: false },
      handler,
    ) as unknown as Server;
}
