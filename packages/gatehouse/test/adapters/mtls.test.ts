/**
 * Certificate-bound tokens (RFC 8705 §3) over real TLS: the client certificate from Node's socket
 * (node:http and Fastify adapters), or from a trusted proxy's header; real certificates made by
 * openssl for this run.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer as createHttpsServer, request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Fastify from 'fastify';
import { TestIssuer } from 'gatehouse-test-support/issuer';
import { gatehouse as fastifyGatehouse } from '../../src/adapters/fastify.ts';
import { protect as nodeProtect } from '../../src/adapters/node-http.ts';
import { clientCertificateDer, resolveMtls } from '../../src/core/dpop/certificate.ts';
import { createGatehouse, type Gatehouse } from '../../src/index.ts';
import { makeDpopKey, makeProof } from '../helpers/dpop.ts';
import { type CertificatePair, makeCertificatePair, tlsGet } from '../helpers/tls-client.ts';
import { header, type Reply, send } from './http-client.ts';
import { nodeHttpServer } from './servers.ts';

function code(reply: Reply): string {
  return (JSON.parse(reply.text) as { code: string }).code;
}

describe('certificate-bound tokens (RFC 8705 §3)', () => {
  let dir: string;
  let issuer: TestIssuer;
  let server: CertificatePair;
  let alice: CertificatePair;
  let mallory: CertificatePair;
  let bound: string;
  const closers: (() => Promise<void> | void)[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-mtls-'));
    server = makeCertificatePair(dir, 'server');
    alice = makeCertificatePair(dir, 'alice');
    mallory = makeCertificatePair(dir, 'mallory');
    issuer = await TestIssuer.start(['RS256']);
    bound = await issuer.sign({ cnf: { 'x5t#S256': alice.thumbprint } });
  });
  after(async () => {
    for (const close of closers.reverse()) await close();
    await issuer?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function gatehouse(options: Partial<Parameters<typeof createGatehouse>[0]> = {}): Gatehouse {
    const gh = createGatehouse({ issuer: issuer.url, audience: issuer.audience, ...options });
    gh.start();
    closers.push(() => gh.close());
    return gh;
  }

  const tls = { key: '', cert: '', requestCert: true, rejectUnauthorized: false };

  async function nodeTls(options: Partial<Parameters<typeof createGatehouse>[0]> = {}): Promise<string> {
    const gh = gatehouse(options);
    const https = createHttpsServer({ ...tls, key: server.key, cert: server.cert }, (req, res) =>
      nodeProtect(gh, {}, (_req, response, principal) => {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ subject: principal?.subject }));
      })(req, res),
    );
    https.listen(0, '127.0.0.1');
    await once(https, 'listening');
    closers.push(async () => {
      https.closeAllConnections();
      https.close();
    });
    return `https://127.0.0.1:${(https.address() as AddressInfo).port}`;
  }

  async function fastifyTls(): Promise<string> {
    const gh = gatehouse();
    const app = Fastify({
      https: { ...tls, key: server.key, cert: server.cert },
      forceCloseConnections: true,
    });
    await app.register(fastifyGatehouse, { gatehouse: gh });
    app.get('/read', async (request) => ({ subject: request.principal?.subject }));
    await app.listen({ port: 0, host: '127.0.0.1' });
    closers.push(() => app.close());
    return `https://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  }

  for (const [name, start] of [
    ['node:http over TLS', () => nodeTls()],
    ['Fastify over TLS', fastifyTls],
  ] as const) {
    it(`${name}: only the bound certificate's holder gets through; the fast path checks it too`, async () => {
      const url = await start();
      for (let i = 0; i < 2; i++) assert.equal((await tlsGet(url, bound, alice)).status, 200); // then from the cache
      const stolen = await tlsGet(url, bound, mallory);
      assert.equal(stolen.status, 401);
      assert.equal(code(stolen), 'ERR_MTLS_BINDING');
      assert.equal(
        header(stolen, 'www-authenticate'),
        'Bearer realm="api", error="invalid_token", error_description="The access token is bound to another client certificate"',
      );
      const none = await tlsGet(url, bound, undefined);
      assert.equal(none.status, 401);
      assert.equal(code(none), 'ERR_MTLS_BINDING');
      // An unbound token needs no certificate.
      assert.equal((await tlsGet(url, await issuer.sign(), undefined)).status, 200);
    });
  }

  it('a token bound to a DPoP key and a certificate needs both: the proof and the TLS client certificate', async () => {
    const url = await nodeTls();
    const key = await makeDpopKey('ES256');
    const both = await issuer.sign({ cnf: { jkt: key.jkt, 'x5t#S256': alice.thumbprint } });
    const dpop = async (client: CertificatePair | undefined) =>
      tlsGet(url, both, client, {
        authorization: `DPoP ${both}`,
        dpop: await makeProof(key, { method: 'GET', url: `${url}/read`, token: both }),
      });
    assert.equal((await dpop(alice)).status, 200);
    assert.equal(code(await dpop(mallory)), 'ERR_MTLS_BINDING');
    assert.equal(code(await dpop(undefined)), 'ERR_MTLS_BINDING');
    // The certificate alone is not enough either: the token is DPoP-bound (RFC 9449 §7.2).
    assert.equal(code(await tlsGet(url, both, alice)), 'ERR_DPOP_BOUND_TOKEN_AS_BEARER');
  });

  it('behind a TLS-terminating proxy: the certificate from the configured header (URL-encoded PEM)', async () => {
    const running = await nodeHttpServer(gatehouse({ mtls: { certificateHeader: 'X-Client-Cert' } }));
    closers.push(() => running.close());
    const get = (cert?: string) =>
      send(running.url, '/read', {
        headers: { authorization: `Bearer ${bound}`, ...(cert ? { 'x-client-cert': cert } : {}) },
      });
    assert.equal((await get(encodeURIComponent(alice.cert))).status, 200);
    assert.equal((await get(alice.cert.replace(/\n/g, ' '))).status, 200);
    const der = new X509Certificate(alice.cert).raw.toString('base64');
    assert.equal((await get(der)).status, 200);
    assert.equal(code(await get(encodeURIComponent(mallory.cert))), 'ERR_MTLS_BINDING');
    assert.equal(code(await get()), 'ERR_MTLS_BINDING');
    assert.equal(code(await get('%E0%A4%A')), 'ERR_MTLS_BINDING');
  });

  it("behind a proxy that adds its header to the client's own: several certificates, none believed", async () => {
    // A proxy that appends (HAProxy `add-header`) rather than replaces passes the client's header
    // on, first; Node joins repeated headers into one value, so the first certificate was the client's.
    const running = await nodeHttpServer(gatehouse({ mtls: { certificateHeader: 'X-Client-Cert' } }));
    closers.push(() => running.close());
    const get = (...certs: string[]) =>
      send(running.url, '/read', { headers: { authorization: `Bearer ${bound}`, 'x-client-cert': certs } });
    const pem = (pair: CertificatePair) => encodeURIComponent(pair.cert);
    const der = (pair: CertificatePair) => new X509Certificate(pair.cert).raw.toString('base64');
    for (const [claimed, presented] of [
      [pem(alice), pem(mallory)],
      [pem(alice), der(mallory)],
      [alice.cert.replace(/\n/g, ' '), mallory.cert.replace(/\n/g, ' ')],
      [der(alice), der(mallory)],
    ]) {
      const reply = await get(claimed!, presented!);
      assert.equal(reply.status, 401);
      assert.equal(code(reply), 'ERR_MTLS_BINDING');
    }
    // One header holding both, as a Web `Headers` or a proxy joining them would pass it on.
    assert.equal(code(await get(`${pem(alice)}, ${pem(mallory)}`)), 'ERR_MTLS_BINDING');
    assert.equal((await get(pem(alice))).status, 200);
  });

  it('behind a proxy: the header is believed only from the trusted proxies (loopback unless told)', async () => {
    const get = async (trustedProxies: string[]) => {
      const running = await nodeHttpServer(
        gatehouse({ mtls: { certificateHeader: 'X-Client-Cert', trustedProxies } }),
      );
      closers.push(() => running.close());
      return send(running.url, '/read', {
        headers: { authorization: `Bearer ${bound}`, 'x-client-cert': encodeURIComponent(alice.cert) },
      });
    };
    // These requests come from 127.0.0.1: not the proxy at 10.0.0.1, so its header is a forgery.
    const forged = await get(['10.0.0.1', 'fd00::/8']);
    assert.equal(forged.status, 401);
    assert.equal(code(forged), 'ERR_MTLS_BINDING');
    // The peer is the socket's address; no header can claim to be the proxy.
    const running = await nodeHttpServer(
      gatehouse({ mtls: { certificateHeader: 'X-Client-Cert', trustedProxies: ['10.0.0.1'] } }),
    );
    closers.push(() => running.close());
    const claimed = await send(running.url, '/read', {
      headers: {
        authorization: `Bearer ${bound}`,
        'x-client-cert': encodeURIComponent(alice.cert),
        'x-forwarded-for': '10.0.0.1',
        'x-real-ip': '10.0.0.1',
        forwarded: 'for=10.0.0.1',
      },
    });
    assert.equal(code(claimed), 'ERR_MTLS_BINDING');
    assert.equal((await get(['10.0.0.0/8', '127.0.0.1'])).status, 200);
    assert.equal((await get(['*'])).status, 200);
  });

  it('over Node TLS with a proxy header configured: a direct client is judged by its own TLS certificate', async () => {
    const url = await nodeTls({ mtls: { certificateHeader: 'X-Client-Cert', trustedProxies: ['10.0.0.1'] } });
    const direct = (client: CertificatePair, claimed?: CertificatePair) =>
      new Promise<Reply>((resolve, reject) => {
        const req = httpsRequest(
          `${url}/read`,
          {
            headers: {
              authorization: `Bearer ${bound}`,
              ...(claimed ? { 'x-client-cert': encodeURIComponent(claimed.cert) } : {}),
            },
            agent: false,
            rejectUnauthorized: false,
            key: client.key,
            cert: client.cert,
          },
          (res) => {
            res.resume();
            res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: '' }));
          },
        );
        req.on('error', reject);
        req.end();
      });
    assert.equal((await direct(mallory, alice)).status, 401);
    assert.equal((await direct(alice)).status, 200);
  });

  it('a JWT bound some way this API cannot check (cnf.jwk, a malformed x5t#S256) is refused, never taken as a bearer token', async () => {
    const running = await nodeHttpServer(gatehouse());
    closers.push(() => running.close());
    const get = async (cnf: unknown) =>
      send(running.url, '/read', { headers: { authorization: `Bearer ${await issuer.sign({ cnf })}` } });
    // RFC 7800 §3.2: a proof-of-possession key in the token itself (e.g. an Entra PoP token).
    const popKey = { kty: 'EC', crv: 'P-256', x: alice.thumbprint, y: mallory.thumbprint };
    for (const cnf of [{ jwk: popKey }, { 'x5t#S256': 'not-a-thumbprint' }, {}, 'jkt']) {
      const reply = await get(cnf);
      assert.equal(reply.status, 401, JSON.stringify(cnf));
      assert.equal(code(reply), 'ERR_TOKEN_CLAIM');
      assert.match(header(reply, 'www-authenticate') ?? '', /error="invalid_token"/);
    }
  });

  it('refuses proxy settings that cannot work, at start-up', () => {
    const options = { issuer: issuer.url, audience: issuer.audience };
    assert.throws(
      () =>
        createGatehouse({
          ...options,
          mtls: { certificateHeader: 'X-Client-Cert', trustedProxies: ['proxy'] },
        }),
      /mtls\.trustedProxies has "proxy", not an IP address or CIDR range/,
    );
    assert.throws(
      () =>
        createGatehouse({
          ...options,
          mtls: { certificateHeader: 'X-Client-Cert', trustedProxies: ['10.0.0.0/33'] },
        }),
      /mtls\.trustedProxies/,
    );
    assert.throws(
      () => createGatehouse({ ...options, mtls: { trustedProxies: ['10.0.0.1'] } }),
      /mtls\.trustedProxies needs mtls\.certificateHeader/,
    );
  });
});

describe('the certificate header, read in linear time', () => {
  it('16 KB of unclosed PEM headers costs no more than a certificate', () => {
    const config = resolveMtls({ certificateHeader: 'X-Client-Cert' });
    const from = (value: string) =>
      clientCertificateDer(
        { headers: { 'x-client-cert': value }, socket: { remoteAddress: '127.0.0.1' } },
        config,
      );
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-mtls-'));
    try {
      const pem = makeCertificatePair(dir, 'carol').cert;
      assert.deepEqual(from(`proxy says: ${pem}`), new X509Certificate(pem).raw);
      assert.equal(from(pem.replace('-----END CERTIFICATE-----', '')), undefined);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    // A lazy BEGIN...END pattern rescanned the rest of the value from every BEGIN: 5 ms a request.
    const unclosed = '-----BEGIN CERTIFICATE-----'.repeat(600);
    const started = performance.now();
    for (let i = 0; i < 100; i++) assert.equal(from(unclosed), undefined);
    const elapsed = performance.now() - started;
    assert.ok(elapsed < 100, `100 reads took ${Math.round(elapsed)} ms`);
  });
});
