/**
 * Past one machine: two API processes (`node scripts/start.ts` with AUTH_ISSUER set, as the README
 * runs them) on two ports, sharing the machine's PostgreSQL (through a TCP proxy the test
 * controls, in a schema of this run's own) and Redis (under a key prefix of this run's own).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { freePortBlock } from 'gatehouse-test-support/ports';
import type { Todo } from '../../src/store/types.ts';
import { startTestIssuer, type TestIssuer } from '../helpers/issuer.ts';
import { http, type RunningProcess, run, waitUntil } from '../helpers/processes.ts';
import {
  createTestRedis,
  createTestSchema,
  postgresTarget,
  type TestRedis,
  type TestSchema,
} from '../helpers/services.ts';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.ts';

/** Per caller and minute: enough for one concurrency writer (50), small enough to exhaust quickly. */
const POINTS = 60;
const WRITERS = 20;
const WRITES_EACH = 50;
/** No request may take longer than this, whatever the database does. */
const HANG_LIMIT_MS = 10_000;

interface Instance {
  url: string;
  process: RunningProcess;
}

let issuer: TestIssuer;
let schema: TestSchema;
let redis: TestRedis;
let proxy: TcpProxy;
const instances: Instance[] = [];

async function launch(): Promise<Instance> {
  const port = await freePortBlock();
  const proc = run(['scripts/start.ts'], {
    PORT: String(port),
    AUTH_ISSUER: issuer.issuer,
    DATABASE_URL: schema.via(proxy.port),
    REDIS_URL: redis.url,
    RATE_LIMIT: `${POINTS}/60`,
    LOG_LEVEL: 'warn',
  });
  const instance = { url: `http://127.0.0.1:${port}`, process: proc };
  instances.push(instance);
  return instance;
}

async function startInstance(): Promise<Instance> {
  const instance = await launch();
  const { url, process: proc } = instance;
  await waitUntil(async () => {
    if (proc.child.exitCode !== null) throw new Error(`the API exited:\n${proc.output()}`);
    const res = await http('GET', `${url}/ready`);
    const shared = (res.body as { checks?: { rateLimit?: { shared?: boolean } } }).checks?.rateLimit?.shared;
    return res.status === 200 && shared === true;
  }, `the API at ${url} to be ready with shared rate limits`);
  return instance;
}

/** Like `http`, but a request that hangs fails the test instead of the run. */
async function call(
  method: string,
  url: string,
  options: { token?: string; json?: unknown } = {},
): Promise<Awaited<ReturnType<typeof http>> & { ms: number }> {
  const started = performance.now();
  const res = await http(method, url, { ...options, signal: AbortSignal.timeout(HANG_LIMIT_MS) });
  return { ...res, ms: performance.now() - started };
}

/** Every item, through one instance, as an app (apps see every owner's items). */
async function everything(base: string, token: string): Promise<Todo[]> {
  const items: Todo[] = [];
  let next: string | null = `${base}/api/todos?limit=200`;
  while (next) {
    const res = await call('GET', next, { token });
    assert.equal(res.status, 200, res.text);
    items.push(...(res.body as Todo[]));
    const target = /<([^>]+)>;\s*rel="next"/.exec(res.headers.get('link') ?? '')?.[1];
    next = target ? new URL(target, base).href : null;
  }
  return items;
}

let auditors = 0;
/** A fresh app identity, so listing never eats into another caller's budget. */
function auditorToken(): Promise<string> {
  auditors += 1;
  return issuer.appToken(undefined, { oid: `auditor-${auditors}`, sub: `auditor-${auditors}` });
}

before(async () => {
  issuer = await startTestIssuer();
  schema = await createTestSchema();
  redis = await createTestRedis();
  proxy = await startTcpProxy(postgresTarget());
  await Promise.all([startInstance(), startInstance()]);
});

after(async () => {
  await Promise.all(instances.map((i) => i.process.stop('SIGTERM').catch(() => 0)));
  for (const instance of instances) instance.process.killGroup();
  await proxy?.close();
  await Promise.all([schema?.drop(), redis?.cleanup(), issuer?.close()]);
});

describe('two instances sharing PostgreSQL and Redis', () => {
  it('an item created through one is read, updated and deleted through the other', async () => {
    const [a, b] = instances as [Instance, Instance];
    const alice = await issuer.userToken('alice');
    const created = await call('POST', `${a.url}/api/todos`, { token: alice, json: { text: 'shared' } });
    assert.equal(created.status, 201, created.text);
    const todo = created.body as Todo;

    const read = await call('GET', `${b.url}/api/todos/${todo.id}`, { token: alice });
    assert.equal(read.status, 200);
    assert.deepEqual(read.body, todo);

    const patched = await call('PATCH', `${b.url}/api/todos/${todo.id}`, {
      token: alice,
      json: { completed: true },
    });
    assert.equal(patched.status, 200);
    assert.equal((patched.body as Todo).completed, true);
    assert.equal(
      ((await call('GET', `${a.url}/api/todos/${todo.id}`, { token: alice })).body as Todo).completed,
      true,
    );

    assert.equal((await call('DELETE', `${b.url}/api/todos/${todo.id}`, { token: alice })).status, 204);
    assert.equal((await call('GET', `${a.url}/api/todos/${todo.id}`, { token: alice })).status, 404);
    // Bob cannot see Alice's items on either instance.
    const other = await call('POST', `${a.url}/api/todos`, { token: alice, json: { text: 'mine' } });
    const bob = await issuer.userToken('bob');
    assert.equal(
      (await call('GET', `${b.url}/api/todos/${(other.body as Todo).id}`, { token: bob })).status,
      404,
    );
  });

  it('a caller’s rate limit is shared across both instances', async () => {
    const [a, b] = instances as [Instance, Instance];
    const carol = await issuer.userToken('carol');
    const seen: number[] = [];
    // Alternating: each instance sees only half of the budget's calls.
    for (let i = 0; i < POINTS; i++) {
      seen.push(
        (await call('GET', `${(i % 2 === 0 ? a : b).url}/api/todos?limit=1`, { token: carol })).status,
      );
    }
    assert.deepEqual(new Set(seen), new Set([200]), 'the whole budget is usable');
    for (const instance of [a, b]) {
      const limited = await call('GET', `${instance.url}/api/todos?limit=1`, { token: carol });
      assert.equal(limited.status, 429, `${instance.url} after ${POINTS} calls spread over both`);
      assert.ok(Number(limited.headers.get('retry-after')) >= 1);
    }
  });

  it(`${WRITERS} concurrent writers x ${WRITES_EACH} writes: every 2xx present exactly once, no 5xx`, async (t) => {
    const statuses = new Map<number, number>();
    const acknowledged: Todo[] = [];
    const failures: string[] = [];
    const writer = async (w: number): Promise<void> => {
      const token = await issuer.userToken(`writer-${w}`);
      for (let i = 0; i < WRITES_EACH; i++) {
        const target = instances[(w + i) % 2] as Instance;
        try {
          const res = await call('POST', `${target.url}/api/todos`, { token, json: { text: `c-${w}-${i}` } });
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          if (res.status >= 200 && res.status < 300) acknowledged.push(res.body as Todo);
          else failures.push(`${res.status} ${res.text}`);
        } catch (error) {
          failures.push(String(error));
        }
      }
    };
    const started = performance.now();
    await Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(w)));
    const took = Math.round(performance.now() - started);

    const stored = (await everything((instances[1] as Instance).url, await auditorToken())).filter((todo) =>
      todo.text.startsWith('c-'),
    );
    const byId = new Map<string, number>();
    for (const todo of stored) byId.set(todo.id, (byId.get(todo.id) ?? 0) + 1);
    const byText = new Map<string, number>();
    for (const todo of stored) byText.set(todo.text, (byText.get(todo.text) ?? 0) + 1);
    const missing = acknowledged.filter((todo) => byId.get(todo.id) !== 1);
    const duplicates = [...byText.values()].filter((n) => n > 1).length;
    const fiveHundreds = [...statuses].filter(([s]) => s >= 500).reduce((n, [, c]) => n + c, 0);
    t.diagnostic(
      `attempted ${WRITERS * WRITES_EACH}, 2xx ${acknowledged.length}, present after ${stored.length}, ` +
        `missing ${missing.length}, duplicates ${duplicates}, 5xx ${fiveHundreds}, ` +
        `statuses ${JSON.stringify(Object.fromEntries(statuses))}, ${took} ms`,
    );
    assert.deepEqual(failures.slice(0, 5), []);
    assert.equal(fiveHundreds, 0);
    assert.equal(acknowledged.length, WRITERS * WRITES_EACH);
    assert.equal(missing.length, 0);
    assert.equal(duplicates, 0);
    assert.equal(stored.length, acknowledged.length);
    // Exactly the texts that were written, each once.
    assert.equal(byText.size, WRITERS * WRITES_EACH);
  });

  for (const mode of ['cut', 'hang'] as const) {
    it(`database ${mode === 'cut' ? 'cut off' : 'hanging'}: 503 + Retry-After within a bounded time, /ready 503, recovers by itself`, async (t) => {
      const [a, b] = instances as [Instance, Instance];
      const dan = await issuer.userToken(`dan-${mode}`);
      const before = await call('POST', `${a.url}/api/todos`, {
        token: dan,
        json: { text: `before ${mode}` },
      });
      assert.equal(before.status, 201);

      proxy.pause(mode);
      const cutAt = performance.now();
      const answers = await Promise.all([
        call('POST', `${a.url}/api/todos`, { token: dan, json: { text: `during ${mode}` } }),
        call('GET', `${b.url}/api/todos/${(before.body as Todo).id}`, { token: dan }),
        call('GET', `${a.url}/api/todos`, { token: dan }),
      ]);
      const slowest = Math.max(...answers.map((r) => r.ms));
      for (const res of answers) {
        assert.equal(res.status, 503, res.text);
        assert.ok(Number(res.headers.get('retry-after')) >= 1);
        assert.equal((res.body as { code: string }).code, 'ERR_STORE_UNAVAILABLE');
      }
      for (const instance of [a, b]) {
        const ready = await call('GET', `${instance.url}/ready`);
        assert.equal(ready.status, 503);
        assert.equal((ready.body as { checks: { store: { ok: boolean } } }).checks.store.ok, false);
        assert.equal((await call('GET', `${instance.url}/health`)).status, 200);
      }
      const unavailableFor = Math.round(performance.now() - cutAt);

      proxy.resume();
      const resumedAt = performance.now();
      await waitUntil(
        async () => {
          const ready = await Promise.all([a, b].map((i) => call('GET', `${i.url}/ready`)));
          return ready.every((r) => r.status === 200);
        },
        'both instances to be ready again',
        15_000,
      );
      const after = await call('POST', `${b.url}/api/todos`, { token: dan, json: { text: `after ${mode}` } });
      assert.equal(after.status, 201);
      const recovery = Math.round(performance.now() - resumedAt);
      t.diagnostic(
        `${mode}: slowest 503 after ${Math.round(slowest)} ms; unavailable for ${unavailableFor} ms of checks; ` +
          `recovered ${recovery} ms after the database returned`,
      );
      assert.ok(slowest < (mode === 'cut' ? 1000 : 5500), `503 took ${Math.round(slowest)} ms`);
      assert.ok(recovery < 5000, `recovery took ${recovery} ms`);
      const mine = (await call('GET', `${a.url}/api/todos`, { token: dan })).body as Todo[];
      assert.deepEqual(
        mine.map((todo) => todo.text).filter((text) => text.endsWith(mode)),
        [`before ${mode}`, `after ${mode}`],
        'the refused write was not stored',
      );
    });
  }

  it('an instance started while the database is away serves once it returns', async (t) => {
    proxy.pause('cut');
    const late = await launch();
    try {
      await waitUntil(async () => (await call('GET', `${late.url}/health`)).status === 200, 'the late API');
      const ready = await call('GET', `${late.url}/ready`);
      assert.equal(ready.status, 503);
      const erin = await issuer.userToken('erin');
      const refused = await call('GET', `${late.url}/api/todos`, { token: erin });
      assert.equal(refused.status, 503);
      assert.ok(Number(refused.headers.get('retry-after')) >= 1);
    } finally {
      proxy.resume();
    }
    const resumedAt = performance.now();
    await waitUntil(
      async () => (await call('GET', `${late.url}/ready`)).status === 200,
      'the late API ready',
    );
    t.diagnostic(
      `started without its database: ready ${Math.round(performance.now() - resumedAt)} ms after it returned`,
    );
    const erin = await issuer.userToken('erin');
    assert.equal((await call('GET', `${late.url}/api/todos`, { token: erin })).status, 200);
    await late.process.stop('SIGTERM');
  });

  it('an instance killed (SIGKILL) mid-burst loses no acknowledged write', async (t) => {
    const [a, b] = instances as [Instance, Instance];
    const acknowledged: Todo[] = [];
    let refused = 0;
    let killed = false;
    const writer = async (w: number): Promise<void> => {
      const token = await issuer.userToken(`burst-${w}`);
      for (let i = 0; i < POINTS - 5; i++) {
        try {
          const res = await call('POST', `${a.url}/api/todos`, { token, json: { text: `k-${w}-${i}` } });
          if (res.status === 201) acknowledged.push(res.body as Todo);
          else refused++;
          assert.ok(res.status < 500 || res.status === 503, `${res.status} ${res.text}`);
        } catch {
          refused++;
          if (killed) return;
        }
      }
    };
    const writers = Array.from({ length: 12 }, (_, w) => writer(w));
    const deadline = Date.now() + 20_000;
    while (acknowledged.length < 100 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    killed = true;
    a.process.child.kill('SIGKILL');
    await a.process.exited;
    const ackedAtKill = acknowledged.length;
    await Promise.all(writers);
    assert.ok(ackedAtKill >= 100, `only ${ackedAtKill} writes before the kill`);

    const stored = await everything(b.url, await auditorToken());
    const count = new Map<string, number>();
    for (const todo of stored) count.set(todo.id, (count.get(todo.id) ?? 0) + 1);
    const lost = acknowledged.filter((todo) => count.get(todo.id) !== 1);
    const inFlight = stored.filter((s) => s.text.startsWith('k-')).length - acknowledged.length;
    t.diagnostic(
      `killed after ${ackedAtKill} acknowledged writes (${acknowledged.length} in all, ${refused} refused or cut); ` +
        `lost ${lost.length}; stored but never acknowledged ${inFlight}`,
    );
    assert.equal(lost.length, 0, `lost: ${lost.map((todo) => todo.text).join(', ')}`);
    // The survivor keeps serving.
    assert.equal((await call('GET', `${b.url}/ready`)).status, 200);
  });
});
