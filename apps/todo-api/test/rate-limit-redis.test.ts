/**
 * Rate limits shared through the machine's Redis (keys under a random prefix per run): two apps
 * count one budget per caller; with Redis cut off or hanging (a TCP proxy in between) each app
 * keeps serving on its local limiter, says so in its log and in /ready, and shares again once
 * Redis answers.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { createLogger } from '../src/logger.ts';
import { createRedisRateLimit, type RateLimitBackend, REDIS_DEFAULTS } from '../src/rate-limit-redis.ts';
import { bearer, makeTestApp, type TestApp, waitFor } from './helpers/app.ts';
import { startTestIssuer, type TestIssuer } from './helpers/issuer.ts';
import { createTestRedis, type TestRedis } from './helpers/services.ts';
import { startTcpProxy, type TcpProxy } from './helpers/tcp-proxy.ts';

const POINTS = 4;

function capturedLogger(): {
  logger: ReturnType<typeof createLogger>;
  lines: () => Record<string, unknown>[];
} {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return {
    logger: createLogger('info', sink),
    lines: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

function backend(url: string, logger: ReturnType<typeof createLogger>): RateLimitBackend {
  return createRedisRateLimit({ url, points: POINTS, durationSeconds: 60, logger });
}

interface ReadyBody {
  checks: { rateLimit: { ok: boolean; store: string; shared: boolean; fallback?: string; error?: string } };
}

async function readiness(
  t: TestApp,
): Promise<{ status: number; rateLimit: ReadyBody['checks']['rateLimit'] }> {
  const res = await t.app.inject('/ready');
  return { status: res.statusCode, rateLimit: (JSON.parse(res.body) as ReadyBody).checks.rateLimit };
}

async function statuses(t: TestApp, token: string, count: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    out.push((await t.app.inject({ url: '/api/todos', headers: bearer(token) })).statusCode);
  }
  return out;
}

let redis: TestRedis;
let issuer: TestIssuer;
before(async () => {
  redis = await createTestRedis();
  issuer = await startTestIssuer();
});
after(async () => {
  await redis?.cleanup();
  await issuer?.close();
});

describe('rate limits shared through Redis', () => {
  const apps: TestApp[] = [];
  before(async () => {
    for (let i = 0; i < 2; i++) {
      const { logger } = capturedLogger();
      apps.push(
        await makeTestApp({ RATE_LIMIT: `${POINTS}/60` }, { issuer, rateLimit: backend(redis.url, logger) }),
      );
    }
    for (const t of apps) await waitFor(async () => (await readiness(t)).rateLimit.shared);
  });
  after(async () => {
    await Promise.all(apps.map((t) => t.close()));
  });

  it('a caller’s budget holds across instances', async () => {
    const [a, b] = apps as [TestApp, TestApp];
    const alice = await issuer.userToken('alice');
    const seen = [
      ...(await statuses(a, alice, 1)),
      ...(await statuses(b, alice, 1)),
      ...(await statuses(a, alice, 1)),
      ...(await statuses(b, alice, 1)),
    ];
    assert.deepEqual(seen, [200, 200, 200, 200]);
    // Each app has counted only two calls of its own, yet the shared budget is spent.
    const limited = await a.app.inject({ url: '/api/todos', headers: bearer(alice) });
    assert.equal(limited.statusCode, 429);
    assert.ok(Number(limited.headers['retry-after']) >= 1);
    assert.equal((await b.app.inject({ url: '/api/todos', headers: bearer(alice) })).statusCode, 429);
    const bob = await issuer.userToken('bob');
    assert.deepEqual(await statuses(b, bob, 1), [200]);
  });

  it('keeps its keys under the run’s prefix', async () => {
    const keys = await redis.keys();
    assert.ok(keys.length > 0);
    assert.ok(
      keys.every((k) => k.startsWith(`${redis.prefix}${REDIS_DEFAULTS.keyPrefix}:`)),
      keys.join(', '),
    );
  });

  it('/ready reports the shared state', async () => {
    const { status, rateLimit } = await readiness(apps[0] as TestApp);
    assert.equal(status, 200);
    assert.deepEqual(rateLimit, { ok: true, store: 'redis', shared: true });
  });
});

describe('Redis unreachable', () => {
  let proxy: TcpProxy;
  let t: TestApp;
  let log: ReturnType<typeof capturedLogger>;
  before(async () => {
    proxy = await startTcpProxy(redis.target);
    log = capturedLogger();
    t = await makeTestApp(
      { RATE_LIMIT: `${POINTS}/60` },
      { issuer, rateLimit: backend(redis.via(proxy.port), log.logger) },
    );
    await waitFor(async () => (await readiness(t)).rateLimit.shared);
  });
  after(async () => {
    await t?.close();
    await proxy?.close();
  });

  it('cut off: serves on the local limiter (still limiting), says so in the log and /ready', async () => {
    proxy.pause('cut');
    const carol = await issuer.userToken('carol');
    assert.deepEqual(await statuses(t, carol, POINTS + 1), [200, 200, 200, 200, 429]);
    const { status, rateLimit } = await readiness(t);
    assert.equal(status, 200, 'Redis is not needed to be ready');
    assert.equal(rateLimit.shared, false);
    assert.equal(rateLimit.fallback, 'memory');
    assert.ok(rateLimit.error, 'names the reason');
    const warning = log.lines().find((l) => l.level === 40 && l.rateLimit === 'memory');
    assert.ok(warning, 'a warning says limits are local now');
    assert.match(String(warning.msg), /Redis unreachable/);
  });

  it('shares again by itself once Redis answers, and says so', async () => {
    proxy.resume();
    await waitFor(async () => (await readiness(t)).rateLimit.shared, 10_000);
    assert.ok(log.lines().some((l) => l.level === 30 && /Redis reachable again/.test(String(l.msg))));
    const dave = await issuer.userToken('dave');
    assert.deepEqual(await statuses(t, dave, 1), [200]);
    assert.ok(
      (await redis.keys()).some((k) => k.endsWith(`sub:${'11111111-2222-3333-4444-555555555555'}:dave`)),
    );
  });

  it('hanging: each call waits at most the command timeout, then is counted locally', async () => {
    proxy.pause('hang');
    const erin = await issuer.userToken('erin');
    const started = performance.now();
    const seen = await statuses(t, erin, 2);
    const perCall = (performance.now() - started) / 2;
    assert.deepEqual(seen, [200, 200]);
    assert.ok(perCall < REDIS_DEFAULTS.commandTimeoutMs * 2 + 300, `${Math.round(perCall)} ms per call`);
    const { rateLimit } = await readiness(t);
    assert.equal(rateLimit.shared, false);
    assert.match(rateLimit.error ?? '', /no answer within/);
    proxy.resume();
    await waitFor(async () => (await readiness(t)).rateLimit.shared, 10_000);
  });

  it('down from the start: serves, never 5xx, and /ready says limits are local', async () => {
    const closed = await startTcpProxy(redis.target);
    closed.pause('cut');
    const local = await makeTestApp(
      { RATE_LIMIT: `${POINTS}/60` },
      { issuer, rateLimit: backend(redis.via(closed.port), capturedLogger().logger) },
    );
    try {
      const frank = await issuer.userToken('frank');
      assert.deepEqual(await statuses(local, frank, POINTS + 1), [200, 200, 200, 200, 429]);
      const { status, rateLimit } = await readiness(local);
      assert.equal(status, 200);
      assert.equal(rateLimit.shared, false);
    } finally {
      await local.close();
      await closed.close();
    }
  });
});
