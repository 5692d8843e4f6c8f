/**
 * The machine's PostgreSQL and Redis, shared by every test run: each run gets a schema and a
 * Redis key prefix of its own, and removes them afterwards. A missing server fails the test
 * with a message saying what to start; it is never skipped (CI runs these through `.ci/run`).
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { Client } from 'pg';

/** Administrative connection to the test database (trust auth on loopback). */
export const POSTGRES_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

function reason(error: unknown): string {
  return error instanceof Error ? error.message || error.name : String(error);
}

async function adminQuery(sql: string): Promise<void> {
  const client = new Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 3000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (error) {
    throw new Error(
      `these tests need PostgreSQL at ${POSTGRES_URL} (${reason(error)}); start it ` +
        '(pg_ctlcluster <version> main start, or .ci/run does) or set TEST_DATABASE_URL',
    );
  }
  try {
    await client.query(sql);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** `url` with its search_path set to `schema` and, when given, its host and port replaced. */
export function postgresUrl(schema: string, via?: { host: string; port: number }): string {
  const url = new URL(POSTGRES_URL);
  url.searchParams.set('options', `-c search_path=${schema}`);
  if (via) {
    url.hostname = via.host;
    url.port = String(via.port);
  }
  return url.href;
}

export function postgresTarget(): { host: string; port: number } {
  const url = new URL(POSTGRES_URL);
  return { host: url.hostname, port: Number(url.port || 5432) };
}

export interface TestSchema {
  name: string;
  /** Connection string whose search_path is this schema. */
  url: string;
  /** The same through another address (a proxy). */
  via(port: number): string;
  query<T>(sql: string, values?: unknown[]): Promise<T[]>;
  drop(): Promise<void>;
}

export async function createTestSchema(): Promise<TestSchema> {
  const name = `todo_test_${randomBytes(6).toString('hex')}`;
  await adminQuery(`CREATE SCHEMA ${name}`);
  const url = postgresUrl(name);
  return {
    name,
    url,
    via: (port) => postgresUrl(name, { host: '127.0.0.1', port }),
    async query<T>(sql: string, values: unknown[] = []): Promise<T[]> {
      const client = new Client({ connectionString: url, connectionTimeoutMillis: 3000 });
      client.on('error', () => undefined);
      await client.connect();
      try {
        return (await client.query(sql, values)).rows as T[];
      } finally {
        await client.end().catch(() => undefined);
      }
    },
    drop: () => adminQuery(`DROP SCHEMA IF EXISTS ${name} CASCADE`),
  };
}

export interface TestRedis {
  prefix: string;
  /** REDIS_URL whose keys all go under `prefix`. */
  url: string;
  /** The same through a proxy on loopback. */
  via(port: number): string;
  target: { host: string; port: number };
  keys(): Promise<string[]>;
  cleanup(): Promise<void>;
}

function redisUrl(prefix: string, via?: number): string {
  const url = new URL(REDIS_URL);
  if (via !== undefined) {
    url.hostname = '127.0.0.1';
    url.port = String(via);
  }
  url.searchParams.set('keyPrefix', prefix);
  return url.href;
}

async function withRedis<T>(use: (client: Redis) => Promise<T>): Promise<T> {
  const client = new Redis(REDIS_URL, {
    lazyConnect: true,
    connectTimeout: 3000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (error) {
    client.disconnect();
    throw new Error(
      `these tests need Redis at ${REDIS_URL} (${reason(error)}); start it ` +
        '(redis-server, or .ci/run does) or set TEST_REDIS_URL',
    );
  }
  try {
    return await use(client);
  } finally {
    client.disconnect();
  }
}

export async function createTestRedis(): Promise<TestRedis> {
  const prefix = `todo_test_${randomBytes(6).toString('hex')}:`;
  await withRedis((client) => client.ping());
  const base = new URL(REDIS_URL);
  const keys = (): Promise<string[]> =>
    withRedis(async (client) => {
      const found: string[] = [];
      let cursor = '0';
      do {
        const [next, batch] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
        found.push(...batch);
        cursor = next;
      } while (cursor !== '0');
      return found;
    });
  return {
    prefix,
    url: redisUrl(prefix),
    via: (port) => redisUrl(prefix, port),
    target: { host: base.hostname, port: Number(base.port || 6379) },
    keys,
    async cleanup() {
      const found = await keys();
      if (found.length > 0) await withRedis((client) => client.del(...found));
    },
  };
}
