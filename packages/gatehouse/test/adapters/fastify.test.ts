import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Fastify from 'fastify';
import { gatehouse as gatehousePlugin } from '../../src/adapters/fastify.ts';
import { TestIssuer } from '../helpers/issuer.ts';
import { runAdapterBehaviour } from './behaviour.ts';
import { fastifyProtectServer, fastifyServer } from './servers.ts';

runAdapterBehaviour('Fastify', fastifyServer);
runAdapterBehaviour('Fastify (protect hook)', fastifyProtectServer);

describe('Fastify plugin given options instead of a Gatehouse', () => {
  let issuer: TestIssuer;
  before(async () => {
    issuer = await TestIssuer.start(['RS256']);
  });
  after(async () => {
    await issuer?.close();
  });

  it('builds its own Gatehouse, starts loading keys when ready and serves protected routes', async () => {
    const app = Fastify();
    await app.register(gatehousePlugin, { issuer: issuer.url, audience: issuer.audience });
    app.get('/me', { config: { gatehouse: {} } }, async (request) => ({
      subject: request.principal?.subject,
    }));
    await app.ready();
    try {
      const deadline = Date.now() + 5000;
      while (!app.gatehouse.ready && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      assert.ok(app.gatehouse.ready, 'keys were loaded in the background on ready');
      const ok = await app.inject({
        url: '/me',
        headers: { authorization: `Bearer ${await issuer.sign()}` },
      });
      assert.equal(ok.statusCode, 200);
      const missing = await app.inject({ url: '/me' });
      assert.equal(missing.statusCode, 401);
      assert.equal(missing.headers['www-authenticate'], 'Bearer realm="api"');
    } finally {
      await app.close();
    }
  });
});
