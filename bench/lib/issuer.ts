/**
 * A tiny OpenID issuer on loopback: one RS256 2048-bit key made at start, discovery at
 * `{issuer}/.well-known/openid-configuration`, the key set at `/jwks`. Served over http (what
 * every server but one uses) and over https with a throw-away self-signed certificate, because
 * passport-azure-ad refuses an identityMetadata URL that is not https. Tokens name the http
 * issuer either way, so every server verifies byte-identical tokens.
 */
import { execFile } from 'node:child_process';
import { createHash, generateKeyPairSync, type KeyObject, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { accessTokenClaims, type BenchUser, type Claims, signRs256 } from './jwt.ts';

const run = promisify(execFile);

export const AUDIENCE = 'api://bench';
export const SCOPE = 'ToDoList.Read';
export const TENANT = '9188040d-6c67-4c5b-b112-36a304b66dad';
export const USER: BenchUser = {
  oid: '00000000-0000-0000-66f3-3332eca7ea81',
  sub: 'AAAAAAAAAAAAAAAAAAAAAIkzqFVrSaSaFHy782bbtaQ',
  tid: TENANT,
};

export interface Https {
  /** The discovery URL over https (for passport-azure-ad). */
  metadataUrl: string;
  /** A file holding the self-signed certificate, for the client's NODE_EXTRA_CA_CERTS. */
  caFile: string;
}

export interface Issuer {
  /** The `iss` of every token; discovery at `${issuer}/.well-known/openid-configuration`. */
  issuer: string;
  metadataUrl: string;
  jwksUri: string;
  /** Undefined when no certificate could be made (no `openssl`); `httpsError` says why. */
  https: Https | undefined;
  httpsError: string | undefined;
  kid: string;
  /** PKCS#8 PEM of the signing key, for signer processes. */
  privateKeyPem: string;
  /** A token over the given claims, signed by the issuer's key. */
  sign(claims: Claims): string;
  /** The same header (same `kid`) and claims, signed by a key the issuer never published. */
  forge(claims: Claims): string;
  claims(uti?: string): Claims;
  /** Requests served, by path: how often each library fetched metadata and keys. */
  hits: Map<string, number>;
  close(): Promise<void>;
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

async function selfSignedCertificate(dir: string): Promise<{ key: string; cert: string; certFile: string }> {
  const keyFile = join(dir, 'tls.key.pem');
  const certFile = join(dir, 'tls.pem');
  await run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-sha256',
    '-days',
    '2',
    '-subj',
    '/CN=127.0.0.1',
    '-addext',
    'subjectAltName=IP:127.0.0.1,DNS:localhost',
    '-keyout',
    keyFile,
    '-out',
    certFile,
  ]);
  return { key: await readFile(keyFile, 'utf8'), cert: await readFile(certFile, 'utf8'), certFile };
}

export async function startIssuer(): Promise<Issuer> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const forgedKey: KeyObject = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const kid = randomBytes(16).toString('base64url');
  const jwk = publicKey.export({ format: 'jwk' });
  const x5t = createHash('sha1')
    .update(publicKey.export({ format: 'der', type: 'spki' }))
    .digest('base64url');
  const jwks = JSON.stringify({ keys: [{ ...jwk, kid, x5t, use: 'sig', alg: 'RS256' }] });
  const hits = new Map<string, number>();
  let issuer = '';

  const handler = (scheme: 'http' | 'https') => (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    hits.set(`${scheme} ${path}`, (hits.get(`${scheme} ${path}`) ?? 0) + 1);
    const origin = `${scheme}://${req.headers.host ?? '127.0.0.1'}`;
    if (path === '/jwks') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(jwks);
      return;
    }
    if (path === `${new URL(issuer).pathname}/.well-known/openid-configuration`) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          issuer,
          jwks_uri: `${origin}/jwks`,
          authorization_endpoint: `${origin}/${TENANT}/oauth2/v2.0/authorize`,
          token_endpoint: `${origin}/${TENANT}/oauth2/v2.0/token`,
          response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
          subject_types_supported: ['pairwise'],
          id_token_signing_alg_values_supported: ['RS256'],
          scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
        }),
      );
      return;
    }
    res.writeHead(404).end();
  };

  const http = createServer(handler('http'));
  const port = await listen(http);
  issuer = `http://127.0.0.1:${port}/${TENANT}/v2.0`;

  let https: Https | undefined;
  let httpsError: string | undefined;
  let tlsServer: Server | undefined;
  let dir: string | undefined;
  try {
    dir = await mkdtemp(join(tmpdir(), 'gatehouse-bench-'));
    const tls = await selfSignedCertificate(dir);
    tlsServer = createHttpsServer({ key: tls.key, cert: tls.cert }, handler('https'));
    const tlsPort = await listen(tlsServer);
    https = {
      metadataUrl: `https://127.0.0.1:${tlsPort}/${TENANT}/v2.0/.well-known/openid-configuration`,
      caFile: tls.certFile,
    };
  } catch (error) {
    httpsError = `no https issuer for passport-azure-ad (it accepts only https metadata): ${
      error instanceof Error ? error.message.split('\n')[0] : String(error)
    }`;
  }

  const header = { alg: 'RS256', typ: 'JWT', kid } as const;
  return {
    issuer,
    metadataUrl: `${issuer}/.well-known/openid-configuration`,
    jwksUri: `http://127.0.0.1:${port}/jwks`,
    https,
    httpsError,
    kid,
    privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    sign: (claims) => signRs256(header, claims, privateKey),
    forge: (claims) => signRs256(header, claims, forgedKey),
    claims: (uti) =>
      accessTokenClaims({
        issuer,
        audience: AUDIENCE,
        scope: SCOPE,
        user: USER,
        now: Math.floor(Date.now() / 1000),
        ...(uti === undefined ? {} : { uti }),
      }),
    hits,
    close: async () => {
      http.closeAllConnections();
      tlsServer?.closeAllConnections();
      await Promise.all([
        new Promise((resolve) => http.close(resolve)),
        tlsServer ? new Promise((resolve) => tlsServer.close(resolve)) : undefined,
      ]);
      if (dir) await rm(dir, { recursive: true, force: true });
    },
  };
}
