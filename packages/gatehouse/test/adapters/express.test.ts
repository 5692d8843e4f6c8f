import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, describe, it } from 'node:test';
import express from 'express';
import { TestIssuer } from 'gatehouse-test-support/issuer';
import { authenticate } from '../../src/adapters/express.ts';
import { createGatehouse, type Gatehouse } from '../../src/index.ts';
import { runAdapterBehaviour } from './behaviour.ts';
import { listen, type RunningServer, send } from './http-client.ts';
import { expressAuthorizeServer, expressServer } from './servers.ts';

runAdapterBehaviour('Express', expressServer);
runAdapterBehaviour('Express (authenticate + authorize middleware)', expressAuthorizeServer);

describe('Express authenticate() router-wide (app.use) is secure by default', () => {
  let issuer: TestIssuer;
  let gh: Gatehouse;
  let server: RunningServer;
  before(async () => {
    issuer = await TestIssuer.start(['RS256']);
    gh = createGatehouse({ issuer: issuer.url, audience: issuer.audience });
    gh.start();
    const app = express();
    app.use(authenticate(gh));
    app.get('/anything', (req, res) => {
      res.json({ subject: req.principal?.subject });
    });
    server = await listen(createServer(app));
  });
  after(async () => {
    await server?.close();
    gh?.close();
    await issuer?.close();
  });

  it('a token with neither scopes nor app permissions is 403 insufficient_scope on every route', async () => {
    const scopeless = await issuer.sign({}, { omit: ['scp'] });
    const reply = await send(server.url, '/anything', { headers: { authorization: `Bearer ${scopeless}` } });
    assert.equal(reply.status, 403, reply.text);
    assert.match(String(reply.headers['www-authenticate']), /error="insufficient_scope"/);
    const ok = await send(server.url, '/anything', {
      headers: { authorization: `Bearer ${await issuer.sign()}` },
    });
    assert.equal(ok.status, 200, ok.text);
    assert.equal((await send(server.url, '/anything')).status, 401);
  });
});
