import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type CryptoKey, exportJWK, generateKeyPair, type JWK, type JWTPayload, SignJWT } from 'jose';

/** A signing key the test issuer holds, with its public JWK as published. */
export interface TestKey {
  kid: string;
  alg: 'RS256' | 'ES256' | 'EdDSA' | 'PS256' | 'RS384' | 'ES384';
  privateKey: CryptoKey;
  publicJwk: JWK;
}

export type Outage = false | 'error-500' | 'error-503' | 'reset' | 'hang' | 'not-json';

export interface SignOptions {
  kid?: string | undefined;
  alg?: string;
  key?: TestKey;
  header?: Record<string, unknown>;
  /** Claims replacing the defaults; `undefined` values remove a default claim. */
  omit?: string[];
}

let counter = 0;

export async function makeKey(alg: TestKey['alg'], kid?: string): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, {
    extractable: true,
    ...(alg === 'EdDSA' ? { crv: 'Ed25519' } : {}),
  });
  const publicJwk = await exportJWK(publicKey);
  const id = kid ?? `${alg.toLowerCase()}-${++counter}`;
  return { kid: id, alg, privateKey, publicJwk: { ...publicJwk, kid: id, use: 'sig' } };
}

export interface TestIssuerOptions {
  /** The `aud` of `claims()` and `sign()`. @default 'api://test' */
  audience?: string;
}

/**
 * An OpenID issuer on loopback: discovery and JWKS over real HTTP, with keys that can be
 * rotated and an outage switch. Counts every fetch so tests can bound them. Only the network edge
 * is local: a verifier fetches its metadata and keys, and checks its tokens, as it would a real
 * provider's.
 */
export class TestIssuer {
  readonly server: Server;
  url = '';
  keys: TestKey[] = [];
  /** Extra JWKs published without a private key (weak keys, attacker-irrelevant keys). */
  extraJwks: JWK[] = [];
  outage: Outage = false;
  fetches = { discovery: 0, jwks: 0 };
  /** Milliseconds to delay each answer, to make concurrent fetches overlap. */
  delay = 0;
  readonly audience: string;
  /** Extra metadata documents by path and query (provider-shaped URLs), each naming its issuer. */
  readonly documents = new Map<string, string>();
  /** When set, every published JWK carries this Entra-style `issuer` member. */
  keyIssuer: string | undefined;
  /** Every request path (with query), in order. */
  readonly requests: string[] = [];
  #hung: ServerResponse[] = [];

  private constructor(options: TestIssuerOptions) {
    this.audience = options.audience ?? 'api://test';
    this.server = createServer((req, res) => this.#handle(req, res));
  }

  static async start(
    algs: TestKey['alg'][] = ['RS256', 'ES256', 'EdDSA'],
    options: TestIssuerOptions = {},
  ): Promise<TestIssuer> {
    const issuer = new TestIssuer(options);
    issuer.server.listen(0, '127.0.0.1');
    await once(issuer.server, 'listening');
    issuer.url = `http://127.0.0.1:${(issuer.server.address() as AddressInfo).port}`;
    for (const alg of algs) issuer.keys.push(await makeKey(alg));
    return issuer;
  }

  get jwksUri(): string {
    return `${this.url}/jwks`;
  }

  /** Serves a metadata document at `pathAndQuery` naming `issuer` (and this server's JWKS). */
  publish(pathAndQuery: string, issuer: string): void {
    this.documents.set(pathAndQuery, issuer);
  }

  key(alg: TestKey['alg'] = 'RS256'): TestKey {
    const key = this.keys.find((k) => k.alg === alg);
    if (!key) throw new Error(`test issuer has no ${alg} key`);
    return key;
  }

  /** Default claims of a valid access token for `audience`, valid for an hour from `now` (seconds). */
  claims(now = Math.floor(Date.now() / 1000)): JWTPayload {
    return {
      iss: this.url,
      aud: this.audience,
      sub: 'user-1',
      oid: '00000000-0000-0000-0000-0000000000a1',
      tid: '00000000-0000-0000-0000-00000000000t',
      azp: 'client-1',
      scp: 'ToDoList.Read ToDoList.ReadWrite',
      iat: now,
      nbf: now,
      exp: now + 3600,
    };
  }

  /** A token over `claims()` with `overrides` (and without the claims `options.omit` names). */
  async sign(overrides: Record<string, unknown> = {}, options: SignOptions = {}): Promise<string> {
    const claims: Record<string, unknown> = { ...this.claims(), ...overrides };
    for (const name of options.omit ?? []) delete claims[name];
    return this.signClaims(claims, options);
  }

  /** A token over exactly `claims`, none of the defaults: for callers with token shapes of their own. */
  async signClaims(
    claims: Record<string, unknown>,
    options: Omit<SignOptions, 'omit'> = {},
  ): Promise<string> {
    const key = options.key ?? this.key((options.alg as TestKey['alg']) ?? 'RS256');
    const header: Record<string, unknown> = { alg: options.alg ?? key.alg, typ: 'at+jwt', ...options.header };
    if (!('kid' in options) || options.kid !== undefined) header.kid = options.kid ?? key.kid;
    return new SignJWT(claims).setProtectedHeader(header as { alg: string }).sign(key.privateKey);
  }

  /** Replaces all keys with a fresh one of the same algorithm: the old `kid` disappears. */
  async rotate(alg: TestKey['alg'] = 'RS256'): Promise<TestKey> {
    const key = await makeKey(alg);
    this.keys = [key];
    return key;
  }

  releaseHung(): void {
    for (const res of this.#hung.splice(0)) res.destroy();
  }

  async close(): Promise<void> {
    this.releaseHung();
    this.server.closeAllConnections();
    this.server.close();
    await once(this.server, 'close').catch(() => {});
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const target = new URL(req.url ?? '/', this.url);
    const path = target.pathname;
    this.requests.push(`${path}${target.search}`);
    const published = this.documents.get(`${path}${target.search}`);
    if (path === '/.well-known/openid-configuration') this.fetches.discovery++;
    else if (path === '/jwks') this.fetches.jwks++;
    if (this.delay) await new Promise((r) => setTimeout(r, this.delay));
    if (this.outage === 'hang') {
      this.#hung.push(res);
      return;
    }
    if (this.outage === 'reset') {
      req.socket.destroy();
      return;
    }
    if (this.outage === 'error-500') {
      res.writeHead(500);
      res.end('down');
      return;
    }
    if (this.outage === 'error-503') {
      res.writeHead(503, { 'retry-after': '1' });
      res.end('down');
      return;
    }
    const keys = [...this.keys.map((k) => k.publicJwk), ...this.extraJwks].map((k) =>
      this.keyIssuer === undefined ? k : { ...k, issuer: this.keyIssuer },
    );
    const body = published
      ? { issuer: published, jwks_uri: this.jwksUri }
      : path === '/.well-known/openid-configuration'
        ? {
            issuer: this.url,
            jwks_uri: this.jwksUri,
            authorization_endpoint: `${this.url}/auth`,
            token_endpoint: `${this.url}/token`,
          }
        : path === '/jwks'
          ? { keys }
          : undefined;
    if (!body) {
      res.writeHead(404);
      res.end();
      return;
    }
    // No chaining: restify, loaded in the same process, patches writeHead to return nothing.
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(this.outage === 'not-json' ? '<html>' : JSON.stringify(body));
  }
}
