/**
 * Numbered schema migrations for the PostgreSQL store. Append new ones; never edit an applied one.
 *
 * Several instances may start at the same moment: whoever takes the session-level advisory lock
 * (one per schema) applies what is missing, each migration in its own transaction, and the others
 * wait for the lock, then find nothing left to do. A process that dies holding the lock loses its
 * connection, which releases the lock.
 */
import type { Pool, PoolClient, QueryConfig } from 'pg';

export interface PostgresMigration {
  version: number;
  name: string;
  sql: string;
}

/**
 * `owner` and `text` are bytea (their UTF-8 bytes): PostgreSQL's text type cannot hold U+0000,
 * and the store keeps whatever string it is given. Ids compare byte-wise (`COLLATE "C"`), as in
 * SQLite, so page order never depends on the server's locale.
 */
export const POSTGRES_MIGRATIONS: readonly PostgresMigration[] = [
  {
    version: 1,
    name: 'create todos',
    sql: `
      CREATE TABLE todos (
        id          text COLLATE "C" PRIMARY KEY,
        owner       bytea NOT NULL,
        text        bytea NOT NULL,
        completed   boolean NOT NULL DEFAULT false,
        due_date    text,
        created_at  timestamptz(3) NOT NULL,
        updated_at  timestamptz(3) NOT NULL
      );
      CREATE INDEX todos_by_created ON todos (created_at, id);
      CREATE INDEX todos_by_owner_created ON todos (owner, created_at, id);
    `,
  },
];

/** Advisory-lock class of the todo-api's migrations ("todo" in ASCII); the object is the schema. */
const LOCK_CLASS = 0x746f646f;

/**
 * Longest wait for another instance's migrations, and longest single migration. Both are longer
 * than the pool's per-query limits, which are meant for requests.
 */
export const MIGRATION_TIMEOUT_MS = 60_000;

/** `pg` honours a per-query `query_timeout`, which its types do not declare. */
type TimedQuery = QueryConfig & { query_timeout: number };

async function run(client: PoolClient, text: string, values: unknown[] = []): Promise<void> {
  const query: TimedQuery = { text, values, query_timeout: MIGRATION_TIMEOUT_MS };
  await client.query(query);
}

/** The schema migrations go to: the first existing schema of the connection's `search_path`. */
async function currentSchema(client: PoolClient): Promise<string> {
  const { rows } = await client.query<{ schema: string | null }>('SELECT current_schema() AS schema');
  const schema = rows[0]?.schema;
  if (!schema) throw new Error('no schema named by search_path exists; create it first');
  return schema;
}

async function applyPending(client: PoolClient, migrations: readonly PostgresMigration[]): Promise<number[]> {
  await run(
    client,
    `CREATE TABLE IF NOT EXISTS schema_migrations (
      version    integer PRIMARY KEY,
      name       text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`,
  );
  const { rows } = await client.query<{ version: number }>('SELECT version FROM schema_migrations');
  const done = new Set(rows.map((row) => row.version));
  const applied: number[] = [];
  for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
    if (done.has(migration.version)) continue;
    await run(client, 'BEGIN');
    try {
      await run(client, `SET LOCAL statement_timeout = ${MIGRATION_TIMEOUT_MS}`);
      await run(client, migration.sql);
      await run(client, 'INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [
        migration.version,
        migration.name,
      ]);
      await run(client, 'COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
    applied.push(migration.version);
  }
  return applied;
}

/** Applies every migration the schema lacks, once across all instances; returns the versions applied. */
export async function migratePostgres(
  pool: Pool,
  migrations: readonly PostgresMigration[] = POSTGRES_MIGRATIONS,
): Promise<number[]> {
  const client = await pool.connect();
  try {
    const schema = await currentSchema(client);
    // The wait for the lock is bounded by this statement's own timeout.
    await run(client, `SET statement_timeout = ${MIGRATION_TIMEOUT_MS}`);
    await run(client, 'SELECT pg_advisory_lock($1, hashtext($2))', [LOCK_CLASS, schema]);
    const applied = await applyPending(client, migrations);
    await run(client, 'SELECT pg_advisory_unlock($1, hashtext($2))', [LOCK_CLASS, schema]);
    await run(client, 'RESET statement_timeout');
    client.release();
    return applied;
  } catch (error) {
    // Closing the connection drops the session's lock and settings with it.
    client.release(error instanceof Error ? error : true);
    throw error;
  }
}

/** The highest applied version, or 0 before the first migration. */
export async function postgresSchemaVersion(pool: Pool): Promise<number> {
  const { rows } = await pool.query<{ version: number | null }>(
    'SELECT MAX(version) AS version FROM schema_migrations',
  );
  return rows[0]?.version ?? 0;
}
