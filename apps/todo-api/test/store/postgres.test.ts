/**
 * The store contract on the machine's PostgreSQL (each run in a schema of its own), then what only
 * PostgreSQL has: migrations under concurrent start, a bounded pool, and the database cut off
 * through a TCP proxy (never by stopping the shared server).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DatabaseError, Pool } from 'pg';
import { StoreUnavailableError } from '../../src/store/errors.ts';
import { classifyPostgresError, POSTGRES_DEFAULTS, PostgresTodoStore } from '../../src/store/postgres.ts';
import {
  migratePostgres,
  POSTGRES_MIGRATIONS,
  postgresSchemaVersion,
} from '../../src/store/postgres-migrations.ts';
import { createTestSchema, postgresTarget, type TestSchema } from '../helpers/services.ts';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.ts';
import { runStoreContract } from './contract.ts';

const schemas: TestSchema[] = [];
async function freshSchema(): Promise<TestSchema> {
  const schema = await createTestSchema();
  schemas.push(schema);
  return schema;
}
after(async () => {
  await Promise.all(schemas.map((s) => s.drop()));
});

runStoreContract('postgres', async () => {
  const schema = await freshSchema();
  return new PostgresTodoStore({ connectionString: schema.url });
});

async function elapsed<T>(
  work: () => Promise<T>,
): Promise<{ ms: number; result: T | undefined; error: unknown }> {
  const started = performance.now();
  try {
    const result = await work();
    return { ms: performance.now() - started, result, error: undefined };
  } catch (error) {
    return { ms: performance.now() - started, result: undefined, error };
  }
}

describe('PostgreSQL migrations', () => {
  it('run once when several instances start at the same moment (advisory lock)', async () => {
    const schema = await freshSchema();
    const extra = { version: 2, name: 'add note', sql: 'ALTER TABLE todos ADD COLUMN note text' };
    const pools = Array.from({ length: 6 }, () => new Pool({ connectionString: schema.url, max: 1 }));
    try {
      const results = await Promise.all(
        pools.map((pool) => migratePostgres(pool, [...POSTGRES_MIGRATIONS, extra])),
      );
      // Every version applied by exactly one of the six; the others found nothing to do.
      assert.deepEqual(results.flat().sort(), [1, 2]);
      const rows = await schema.query<{ version: number }>(
        'SELECT version FROM schema_migrations ORDER BY version',
      );
      assert.deepEqual(
        rows.map((r) => r.version),
        [1, 2],
      );
      assert.equal(await postgresSchemaVersion(pools[0] as Pool), 2);
    } finally {
      await Promise.all(pools.map((pool) => pool.end()));
    }
  });

  it('stores starting together all work, with one row per migration', async () => {
    const schema = await freshSchema();
    const stores = Array.from({ length: 5 }, () => new PostgresTodoStore({ connectionString: schema.url }));
    try {
      const created = await Promise.all(
        stores.map((store, i) => store.create({ owner: 'o', text: `s${i}` })),
      );
      assert.equal(created.length, 5);
      const rows = await schema.query<{ version: number; name: string }>(
        'SELECT version, name FROM schema_migrations ORDER BY version',
      );
      assert.deepEqual(
        rows,
        POSTGRES_MIGRATIONS.map((m) => ({ version: m.version, name: m.name })),
      );
    } finally {
      await Promise.all(stores.map((store) => store.close()));
    }
  });

  it('roll a failing migration back entirely', async () => {
    const schema = await freshSchema();
    const pool = new Pool({ connectionString: schema.url, max: 1 });
    try {
      await migratePostgres(pool);
      const broken = {
        version: 2,
        name: 'broken',
        sql: 'CREATE TABLE extra (x int); SELECT * FROM nope',
      };
      await assert.rejects(migratePostgres(pool, [...POSTGRES_MIGRATIONS, broken]), DatabaseError);
      assert.equal(await postgresSchemaVersion(pool), 1);
      const extra = await schema.query("SELECT 1 FROM pg_tables WHERE tablename = 'extra'");
      assert.equal(extra.length, 0);
      // The lock went with the failed connection: the next attempt is not blocked.
      assert.deepEqual(await migratePostgres(pool), []);
    } finally {
      await pool.end();
    }
  });

  it('refuse a search_path naming no existing schema instead of writing elsewhere', async () => {
    const store = new PostgresTodoStore({
      connectionString: (await freshSchema()).url.replace(/todo_test_[0-9a-f]+/, 'todo_test_missing'),
    });
    try {
      await assert.rejects(store.ping(), /no schema named by search_path exists/);
    } finally {
      await store.close();
    }
  });
});

describe('PostgreSQL pool', () => {
  it('never opens more connections than maxConnections', async () => {
    const schema = await freshSchema();
    const app = `todo_pool_${schema.name.slice(-6)}`;
    const store = new PostgresTodoStore({
      connectionString: `${schema.url}&application_name=${app}`,
      maxConnections: 3,
    });
    try {
      const todo = await store.create({ owner: 'o', text: 'pooled' });
      let peakServer = 0;
      let peakPool = 0;
      let done = false;
      const sampler = (async () => {
        while (!done) {
          const [row] = await schema.query<{ n: number }>(
            'SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1',
            [app],
          );
          peakServer = Math.max(peakServer, row?.n ?? 0);
          peakPool = Math.max(peakPool, store.poolStats().total);
        }
      })();
      // The sampler stops whatever the reads do: a rejected read must fail the test, not hang it.
      const reads = await Promise.all(Array.from({ length: 300 }, () => store.get(todo.id))).finally(() => {
        done = true;
      });
      await sampler;
      assert.ok(reads.every((r) => r?.id === todo.id));
      assert.ok(peakPool >= 2 && peakPool <= 3, `pool peaked at ${peakPool}`);
      assert.ok(peakServer <= 3, `server saw ${peakServer} connections`);
    } finally {
      await store.close();
    }
  });

  it('checks its settings', () => {
    assert.throws(
      () => new PostgresTodoStore({ connectionString: 'postgres://x/y', maxConnections: 0 }),
      /maxConnections must be a positive integer/,
    );
    assert.ok(POSTGRES_DEFAULTS.queryTimeoutMs > POSTGRES_DEFAULTS.statementTimeoutMs);
  });
});

describe('PostgreSQL unreachable (TCP proxy)', () => {
  let schema: TestSchema;
  let proxy: TcpProxy;
  let store: PostgresTodoStore;
  before(async () => {
    schema = await freshSchema();
    proxy = await startTcpProxy(postgresTarget());
    store = new PostgresTodoStore({ connectionString: schema.via(proxy.port) });
    await store.migrate();
  });
  after(async () => {
    await store?.close();
    await proxy?.close();
  });

  it('cut off: calls reject with StoreUnavailableError at once; recovers by itself', async () => {
    const kept = await store.create({ owner: 'alice', text: 'before the cut' });
    proxy.pause('cut');
    const calls: (() => Promise<unknown>)[] = [
      () => store.ping(),
      () => store.get(kept.id),
      () => store.create({ owner: 'a', text: 'x' }),
    ];
    for (const call of calls) {
      const { ms, error } = await elapsed(call);
      assert.ok(error instanceof StoreUnavailableError, `got ${String(error)}`);
      assert.equal(error.code, 'ERR_STORE_UNAVAILABLE');
      assert.ok(ms < 1000, `answered in ${Math.round(ms)} ms`);
    }
    proxy.resume();
    const { ms, result } = await elapsed(() => store.get(kept.id));
    assert.deepEqual(result, kept);
    assert.ok(ms < 1000, `recovered in ${Math.round(ms)} ms`);
  });

  it('hanging network: calls reject within the pool and query timeouts; recovers by itself', async () => {
    const kept = await store.create({ owner: 'alice', text: 'before the hang' });
    proxy.pause('hang');
    const bound = POSTGRES_DEFAULTS.queryTimeoutMs + 1000;
    // Through a connection that was open (query timeout) and a new one (connection timeout).
    const calls = await Promise.all(Array.from({ length: 4 }, () => elapsed(() => store.get(kept.id))));
    for (const { ms, error } of calls) {
      assert.ok(error instanceof StoreUnavailableError, `got ${String(error)}`);
      assert.ok(ms < bound, `answered in ${Math.round(ms)} ms (bound ${bound})`);
    }
    proxy.resume();
    const { result } = await elapsed(() => store.get(kept.id));
    assert.deepEqual(result, kept);
  });
});

describe('classifyPostgresError', () => {
  const serverError = (code: string): DatabaseError => {
    const error = new DatabaseError('boom', 0, 'error');
    error.code = code;
    return error;
  };

  it('treats connection, resource, shutdown, timeout and log-in errors as unavailable', () => {
    for (const code of ['08006', '53300', '57P01', '57014', '40001', '28P01', '3D000']) {
      assert.ok(classifyPostgresError(serverError(code)) instanceof StoreUnavailableError, code);
    }
    assert.ok(
      classifyPostgresError(new Error('Connection terminated unexpectedly')) instanceof StoreUnavailableError,
    );
  });

  it('leaves other server errors alone (they are bugs, not outages)', () => {
    for (const code of ['23505', '42P01', '22P02']) {
      const error = serverError(code);
      assert.equal(classifyPostgresError(error), error, code);
    }
  });

  it('a closed store rejects', async () => {
    const store = new PostgresTodoStore({ connectionString: 'postgres://127.0.0.1:1/none' });
    await store.close();
    await assert.rejects(store.ping(), StoreUnavailableError);
  });
});
