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
});
