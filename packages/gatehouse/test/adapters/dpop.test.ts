import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { TestIssuer } from 'gatehouse-test-support/issuer';
import { protect } from '../../src/adapters/node-http.ts';
import { createGatehouse, type Gatehouse } from '../../src/index.ts';
import { type DpopKey, makeDpopKey, makeProof } from '../helpers/dpop.ts';
import { runDpopBehaviour } from './dpop-behaviour.ts';
import { runDpopNonceBehaviour } from './dpop-nonce-behaviour.ts';
import { listen, type RawReply, type RunningServer, rawExchange } from './http-client.ts';
import {
  expressAuthorizeServer,
  expressServer,
  fastifyServer,
  nodeHttpServer,
  webServer,
} from './servers.ts';

// restify patches node:http's prototypes when loaded: its run is in dpop-restify.test.ts.
runDpopBehaviour('Fastify', fastifyServer);
runDpopBehaviour('Express', expressServer);
runDpopBehaviour('Express (authenticate + authorize middleware)', expressAuthorizeServer);
runDpopBehaviour('node:http', nodeHttpServer);
runDpopBehaviour('Web Request (Hono)', webServer);
runDpopNonceBehaviour('Fastify', fastifyServer);
runDpopNonceBehaviour('Express', expressServer);
runDpopNonceBehaviour('Express (authenticate + authorize middleware)', expressAuthorizeServer);
runDpopNonceBehaviour('node:http', nodeHttpServer);
runDpopNonceBehaviour('Web Request (Hono)', webServer);

describe('the request target as sent is the URI a proof must name (RFC 9449 §4.3 check 9)', () => {
  const PUBLIC = 'https://api.example.com';
  let issuer: TestIssuer;
  let gatehouse: Gatehouse;
  let server: RunningServer;
  let client: DpopKey;
  let bound: string;

  before(async () => {
    issuer = await TestIssuer.start(['RS256']);
    gatehouse = createGatehouse({
      issuer: issuer.url,
      audience: issuer.audience,
      dpop: { publicUrl: PUBLIC },
    });
    gatehouse.start();
    // Every path is protected, as behind a catch-all route: the handler sees the target as sent.
    server = await listen(
      createServer(protect(gatehouse, {}, (req, res) => res.end(JSON.stringify({ url: req.url })))),
    );
    client = await makeDpopKey('ES256');
    bound = await issuer.sign({ cnf: { jkt: client.jkt } });
  });
  after(async () => {
    await server?.close();
    gatehouse?.close();
    await issuer?.close();
  });

  async function get(target: string, proofUrl: string): Promise<RawReply> {
    const proof = await makeProof(client, { method: 'GET', url: proofUrl, token: bound });
    return rawExchange(
      server.url,
      `GET ${target} HTTP/1.1\r\nHost: api.example.com\r\nAuthorization: DPoP ${bound}\r\nDPoP: ${proof}\r\nConnection: close\r\n\r\n`,
    );
  }

  it('a proof for /read is refused at targets the URL parser would read as /read and a router would not', async () => {
    // A router sees `//evil.example/read` and `/x\..\read` as other paths than /read.
    for (const target of ['//evil.example/read', '/\\evil.example/read', '/x\\..\\read']) {
      const reply = await get(target, `${PUBLIC}/read`);
      assert.equal(reply.status, 401, `${target}: ${reply.raw}`);
      assert.match(reply.raw, /"code":"ERR_DPOP_PROOF_URI"/, target);
    }
    // The paths themselves, named by the proof, are fine; so is /read.
    assert.equal((await get('//evil.example/read', `${PUBLIC}//evil.example/read`)).status, 200);
    assert.equal((await get('/read', `${PUBLIC}/read`)).status, 200);
  });

  it('a target with a `.` or `..` path segment, in any spelling, is refused whatever the proof names', async () => {
    // The URL parser reads each of these as /read (or /a/read); a router serves another path.
    const targets = [
      '/a/../read',
      '/a/%2e%2e/read',
      '/a/%2E%2E/read',
      '/a/.%2e/read',
      '/a/%2e./read',
      '/./read',
      '/a/%2e/read',
      '/a/read/..',
      '/a/read/%2E?x=1',
      `http://api.example.com/a/%2e%2e/read`,
    ];
    for (const target of targets) {
      for (const proofUrl of [
        `${PUBLIC}/read`,
        `${PUBLIC}/a/read`,
        `${PUBLIC}${target.replace(/^http:\/\/[^/]+/, '')}`,
      ]) {
        const reply = await get(target, proofUrl);
        assert.equal(reply.status, 401, `${target} with a proof for ${proofUrl}: ${reply.raw}`);
        assert.match(reply.raw, /"code":"ERR_DPOP_PROOF_URI"/, target);
      }
    }
  });

  it('segments that merely hold dots, and dots in the query, are ordinary paths', async () => {
    for (const path of ['/v1.2/read', '/..a/read', '/a../read', '/a/.../read', '/.well-known/x']) {
      const reply = await get(path, `${PUBLIC}${path}`);
      assert.equal(reply.status, 200, `${path}: ${reply.raw}`);
      assert.match(reply.raw, new RegExp(`"url":"${path.replace(/\./g, '\\.')}"`), path);
    }
    const withQuery = await get('/read?next=/a/../b', `${PUBLIC}/read`);
    assert.equal(withQuery.status, 200, withQuery.raw);
  });

  it('a refused target stays refused when it is sent again (a refusal is never remembered as an htu)', async () => {
    for (let i = 0; i < 3; i++) {
      const reply = await get('/a/%2e%2e/read', `${PUBLIC}/read`);
      assert.equal(reply.status, 401, reply.raw);
      assert.match(reply.raw, /"code":"ERR_DPOP_PROOF_URI"/);
    }
  });
});
