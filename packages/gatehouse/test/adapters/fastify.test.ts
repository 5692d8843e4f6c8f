import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { TestIssuer } from 'gatehouse-test-support/issuer';
import { gatehouse as gatehousePlugin, publicRoutes } from '../../src/adapters/fastify.ts';
import { createGatehouse, type Gatehouse } from '../../src/index.ts';
import { runAdapterBehaviour } from './behaviour.ts';
import { send } from './http-client.ts';
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

interface LogLine {
  level: string;
  obj: Record<string, unknown>;
  msg: string;
}

/** A Fastify logger that keeps what gatehouse writes, so start-up messages can be checked. */
function captureLogger(lines: LogLine[]): FastifyBaseLogger {
  const write =
    (level: string) =>
    (obj: unknown, msg?: string): void => {
      if (typeof obj === 'object' && obj !== null && typeof msg === 'string') {
        lines.push({ level, obj: obj as Record<string, unknown>, msg });
      }
    };
  const logger = {
    level: 'info',
    fatal: write('fatal'),
    error: write('error'),
    warn: write('warn'),
    info: write('info'),
    debug: write('debug'),
    trace: write('trace'),
    silent: () => {},
    child: () => logger,
  };
  return logger as unknown as FastifyBaseLogger;
}

describe('Fastify plugin: secure by default over real HTTP', () => {
  let issuer: TestIssuer;
  let gh: Gatehouse;
  let token: string;
  const running: FastifyInstance[] = [];

  before(async () => {
    issuer = await TestIssuer.start(['RS256']);
    gh = createGatehouse({ issuer: issuer.url, audience: issuer.audience });
    gh.start();
    token = await issuer.sign();
  });
  after(async () => {
    for (const app of running) await app.close();
    gh?.close();
    await issuer?.close();
  });

  async function serve(app: FastifyInstance): Promise<string> {
    running.push(app);
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }
  const auth = { authorization: () => `Bearer ${token}` };

  it('a route without config.gatehouse is protected, not public: 401 without a token, 200 with one', async () => {
    const app = Fastify();
    await app.register(gatehousePlugin, { gatehouse: gh });
    app.get('/forgotten', async (request) => ({ subject: request.principal?.subject }));
    const url = await serve(app);
    const missing = await send(url, '/forgotten');
    assert.equal(missing.status, 401);
    assert.equal(missing.headers['www-authenticate'], 'Bearer realm="api"');
    const ok = await send(url, '/forgotten', { headers: { authorization: auth.authorization() } });
    assert.equal(ok.status, 200, ok.text);
    assert.deepEqual(JSON.parse(ok.text), { subject: '00000000-0000-0000-0000-0000000000a1' });
    const scopeless = await issuer.sign({}, { omit: ['scp'] });
    const refused = await send(url, '/forgotten', { headers: { authorization: `Bearer ${scopeless}` } });
    assert.equal(refused.status, 403, 'the default also refuses a token without scopes or app permissions');
  });

  it('routes in child plugins, prefixed and nested contexts are protected by default', async () => {
    const app = Fastify();
    await app.register(gatehousePlugin, { gatehouse: gh });
    await app.register(
      async (child) => {
        child.get('/one', async () => ({ ok: 1 }));
        await child.register(
          async (grandchild) => {
            grandchild.post('/two', async () => ({ ok: 2 }));
          },
          { prefix: '/inner' },
        );
      },
      { prefix: '/child' },
    );
    const url = await serve(app);
    assert.equal((await send(url, '/child/one')).status, 401);
    assert.equal((await send(url, '/child/inner/two', { method: 'POST' })).status, 401);
    assert.equal((await send(url, '/child/one', { method: 'HEAD' })).status, 401, 'the HEAD twin too');
    const headers = { authorization: auth.authorization() };
    assert.equal((await send(url, '/child/one', { headers })).status, 200);
    assert.equal((await send(url, '/child/inner/two', { method: 'POST', headers })).status, 200);
  });

  it('config.gatehouse.public opens a route, and the public routes are logged once at start-up', async () => {
    const lines: LogLine[] = [];
    const app = Fastify({ loggerInstance: captureLogger(lines) });
    await app.register(gatehousePlugin, { gatehouse: gh });
    app.get('/health', { config: { gatehouse: { public: true } } }, async () => ({ status: 'ok' }));
    app.get('/private', async () => ({ secret: true }));
    const url = await serve(app);
    assert.equal((await send(url, '/health')).status, 200);
    assert.equal((await send(url, '/private')).status, 401);
    const started = lines.filter((line) => line.msg.startsWith('gatehouse:') && 'publicRoutes' in line.obj);
    assert.equal(started.length, 1, JSON.stringify(lines));
    assert.deepEqual(started[0]!.obj.publicRoutes, ['GET /health', 'HEAD /health']);
    assert.equal(started[0]!.level, 'info');
  });

  it('a route registered before the plugin is still protected, and is named in the start-up line', async () => {
    const lines: LogLine[] = [];
    const app = Fastify({ loggerInstance: captureLogger(lines) });
    app.get('/early', async () => ({ early: true }));
    await app.register(async (child) => {
      child.get('/early-child', async () => ({ early: true }));
    });
    await app.register(gatehousePlugin, { gatehouse: gh });
    const url = await serve(app);
    assert.equal((await send(url, '/early')).status, 401);
    assert.equal((await send(url, '/early-child')).status, 401);
    assert.equal(
      (await send(url, '/early', { headers: { authorization: auth.authorization() } })).status,
      200,
    );
    const started = lines.find((line) => line.msg.startsWith('gatehouse:') && 'publicRoutes' in line.obj);
    assert.ok(started, JSON.stringify(lines));
    assert.deepEqual(started.obj.registeredBeforeGatehouse, ['GET, HEAD /early', 'GET, HEAD /early-child']);
  });

  it('public combined with requirements stops start-up with ERR_CONFIGURATION', async () => {
    const app = Fastify();
    await app.register(gatehousePlugin, { gatehouse: gh });
    app.get(
      '/confused',
      { config: { gatehouse: { public: true, optional: true } as unknown as { public: true } } },
      async () => ({}),
    );
    await assert.rejects(
      async () => app.ready(),
      (error: Error & { code?: string }) => {
        assert.equal(error.code, 'ERR_CONFIGURATION');
        assert.match(error.message, /GET \/confused/);
        return true;
      },
    );
  });

  it('publicRoutes opens the routes a third-party plugin registers, and only those', async () => {
    const app = Fastify();
    await app.register(gatehousePlugin, { gatehouse: gh });
    await app.register(async (docs) => {
      docs.addHook('onRoute', publicRoutes);
      // Stands in for a plugin (a documentation page) whose routes take no config from us.
      await docs.register(
        async (thirdParty) => {
          thirdParty.get('/', async () => 'docs');
          thirdParty.get('/static/*', async () => 'asset');
        },
        { prefix: '/docs' },
      );
    });
    app.get('/api', async () => ({ api: true }));
    const url = await serve(app);
    assert.equal((await send(url, '/docs')).status, 200);
    assert.equal((await send(url, '/docs/static/app.js')).status, 200);
    assert.equal((await send(url, '/api')).status, 401);
  });

  it('an unknown path is still 404, not 401: the not-found handler has nothing to protect', async () => {
    const app = Fastify();
    await app.register(gatehousePlugin, { gatehouse: gh });
    app.get('/known', async () => ({}));
    const url = await serve(app);
    assert.equal((await send(url, '/unknown')).status, 404);
  });
});
