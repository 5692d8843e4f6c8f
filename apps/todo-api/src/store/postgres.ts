/**
 * `TodoStore` on PostgreSQL (`pg`), for several API instances sharing one database.
 *
 * - Every write is one autocommitted statement, committed before its promise resolves, so a
 *   write the API acknowledged survives the instance being killed.
 * - The pool is bounded (`maxConnections`) and every wait has a limit: opening or borrowing a
 *   connection, each statement on the server, each query on the client (which also covers a
 *   network that hangs). When the database cannot be reached, methods reject with
 *   `StoreUnavailableError` (the API answers 503 + Retry-After) within those limits; the pool
 *   opens new connections on later calls, so the store recovers by itself.
 * - Migrations run on first use, once across instances (see `postgres-migrations.ts`); a failed
 *   attempt is retried by the next call.
 */
import { DatabaseError, Pool, type QueryConfig, type QueryResult, type QueryResultRow } from 'pg';
import { StoreUnavailableError } from './errors.ts';
import { newId } from './ids.ts';
import { migratePostgres } from './postgres-migrations.ts';
import type { ListQuery, NewTodo, Todo, TodoPage, TodoPatch, TodoStore } from './types.ts';

/** Pool and timeout defaults; each can be overridden per store. */
export const POSTGRES_DEFAULTS = {
  /** Connections per instance: N instances need N x this below the server's `max_connections`. */
  maxConnections: 10,
  /** Longest wait to open a new connection or to borrow one from a busy pool, in ms. */
  connectionTimeoutMs: 2000,
  /** An idle connection is closed after this many ms. */
  idleTimeoutMs: 30_000,
  /** The server cancels any statement running longer than this, in ms. */
  statementTimeoutMs: 3000,
  /** The client gives up on a query after this many ms, even if the server or network hangs. */
  queryTimeoutMs: 4000,
} as const;

export interface PostgresStoreOptions {
  /** `postgres://user:password@host:port/database?...`; libpq-style `options` and timeouts in the query win. */
  connectionString: string;
  maxConnections?: number;
  connectionTimeoutMs?: number;
  idleTimeoutMs?: number;
  statementTimeoutMs?: number;
  queryTimeoutMs?: number;
  /** Errors of idle connections (the database went away between queries); they are already discarded. */
  onConnectionError?: (error: Error) => void;
  /** Clock, injectable for tests. */
  now?: () => Date;
}

const CLOSE_TIMEOUT_MS = 2000;

interface Row extends QueryResultRow {
  id: string;
  owner: Buffer;
  text: Buffer;
  completed: boolean;
  due_date: string | null;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = 'id, owner, text, completed, due_date, created_at, updated_at';

const SQL = {
  listAll: `SELECT ${COLUMNS} FROM todos ORDER BY created_at, id LIMIT $1`,
  listAllAfter: `SELECT ${COLUMNS} FROM todos WHERE (created_at, id) > ($1, $2)
    ORDER BY created_at, id LIMIT $3`,
  listOwner: `SELECT ${COLUMNS} FROM todos WHERE owner = $1 ORDER BY created_at, id LIMIT $2`,
  listOwnerAfter: `SELECT ${COLUMNS} FROM todos WHERE owner = $1 AND (created_at, id) > ($2, $3)
    ORDER BY created_at, id LIMIT $4`,
  get: `SELECT ${COLUMNS} FROM todos WHERE id = $1`,
  insert: `INSERT INTO todos (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
  // updated_at never goes backwards, even when another instance's clock is behind.
  update: `UPDATE todos SET
      text = COALESCE($3::bytea, text),
      completed = COALESCE($4::boolean, completed),
      due_date = CASE WHEN $5::boolean THEN $6::text ELSE due_date END,
      updated_at = GREATEST($7::timestamptz, updated_at + interval '1 millisecond')
    WHERE id = $1 AND ($2::bytea IS NULL OR owner = $2)
    RETURNING ${COLUMNS}`,
  delete: 'DELETE FROM todos WHERE id = $1 AND ($2::bytea IS NULL OR owner = $2)',
  ping: 'SELECT 1',
} as const;

type Statement = keyof typeof SQL;

/**
 * SQLSTATE classes that mean "the database cannot serve this now" rather than "this request is
 * wrong": connection exceptions (08), transaction rollbacks such as serialization failures (40),
 * insufficient resources (53), operator intervention such as shutdown or a statement timeout (57),
 * system errors (58), and, at connection time, refused credentials (28) or a missing database (3D).
 */
const UNAVAILABLE_CLASSES = new Set(['08', '28', '3D', '40', '53', '57', '58']);

/** `StoreUnavailableError` for failures to reach the database; other errors unchanged. */
export function classifyPostgresError(error: unknown): unknown {
  if (error instanceof StoreUnavailableError) return error;
  if (error instanceof DatabaseError) {
    const unavailable = UNAVAILABLE_CLASSES.has((error.code ?? '').slice(0, 2));
    return unavailable
      ? new StoreUnavailableError(`database unavailable: ${error.message}`, { cause: error })
      : error;
  }
  // Anything else from the driver or the pool is about the connection: refused, reset, closed,
  // timed out while connecting or waiting for an answer.
  if (error instanceof Error) {
    return new StoreUnavailableError(`database unavailable: ${error.message}`, { cause: error });
  }
  return error;
}

function utf8(value: string): Buffer {
  return Buffer.from(value, 'utf8');
}

function toTodo(row: Row): Todo {
  return {
    id: row.id,
    owner: row.owner.toString('utf8'),
    text: row.text.toString('utf8'),
    completed: row.completed,
    dueDate: row.due_date,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

export class PostgresTodoStore implements TodoStore {
  readonly #pool: Pool;
  readonly #now: () => Date;
  readonly #schemaWaitMs: number;
  #schema: Promise<void> | null = null;
  #migrated = false;
  #closed = false;
  #lastTime = 0;

  constructor(options: PostgresStoreOptions) {
    const settings: Record<keyof typeof POSTGRES_DEFAULTS, number> = { ...POSTGRES_DEFAULTS };
    for (const name of Object.keys(POSTGRES_DEFAULTS) as (keyof typeof POSTGRES_DEFAULTS)[]) {
      const value = options[name];
      if (value === undefined) continue;
      if (!Number.isInteger(value) || value < 1) {
        throw new TypeError(`PostgresTodoStore: ${name} must be a positive integer (got ${value})`);
      }
      settings[name] = value;
    }
    this.#now = options.now ?? (() => new Date());
    this.#schemaWaitMs = settings.connectionTimeoutMs + settings.queryTimeoutMs;
    this.#pool = new Pool({
      connectionString: options.connectionString,
      application_name: 'todo-api',
      max: settings.maxConnections,
      connectionTimeoutMillis: settings.connectionTimeoutMs,
      idleTimeoutMillis: settings.idleTimeoutMs,
      statement_timeout: settings.statementTimeoutMs,
      query_timeout: settings.queryTimeoutMs,
      idle_in_transaction_session_timeout: 10_000,
      keepAlive: true,
    });
    const onError = options.onConnectionError ?? (() => undefined);
    // Without a listener, an idle connection's error would crash the process.
    this.#pool.on('error', onError);
  }

  /** Applies pending migrations now (instead of on first use); rejects like any other call. */
  async migrate(): Promise<void> {
    await this.#ensureSchema();
  }

  /** Pool counters, for tests and diagnostics. */
  poolStats(): { total: number; idle: number; waiting: number } {
    return { total: this.#pool.totalCount, idle: this.#pool.idleCount, waiting: this.#pool.waitingCount };
  }

  #ensureSchema(): Promise<void> {
    if (this.#migrated) return Promise.resolve();
    this.#schema ??= migratePostgres(this.#pool).then(
      () => {
        this.#migrated = true;
      },
      (error: unknown) => {
        this.#schema = null;
        throw classifyPostgresError(error);
      },
    );
    // Another instance may hold the migration lock for long; a request does not wait for it.
    return withTimeout(this.#schema, this.#schemaWaitMs, 'database schema is not ready yet');
  }

  async #execute(name: Statement, values: unknown[]): Promise<QueryResult<Row>> {
    if (this.#closed) throw new StoreUnavailableError('store is closed');
    await this.#ensureSchema();
    const config: QueryConfig = { name: `todo-${name}`, text: SQL[name], values };
    try {
      return await this.#pool.query<Row>(config);
    } catch (error) {
      throw classifyPostgresError(error);
    }
  }

  async #query(name: Statement, values: unknown[]): Promise<Row[]> {
    return (await this.#execute(name, values)).rows;
  }

  /** Now, but strictly later than any earlier call of this store. */
  #timestamp(): Date {
    const time = Math.max(this.#now().getTime(), this.#lastTime + 1);
    this.#lastTime = time;
    return new Date(time);
  }

  async list(query: ListQuery): Promise<TodoPage> {
    const take = query.limit + 1;
    const { owner, cursor } = query;
    const after = cursor ? [new Date(cursor.createdAt), cursor.id] : [];
    const rows =
      owner === undefined
        ? await this.#query(cursor ? 'listAllAfter' : 'listAll', [...after, take])
        : await this.#query(cursor ? 'listOwnerAfter' : 'listOwner', [utf8(owner), ...after, take]);
    const items = rows.slice(0, query.limit).map(toTodo);
    const last = items.at(-1);
    const next = rows.length > query.limit && last ? { createdAt: last.createdAt, id: last.id } : null;
    return { items, next };
  }

  async get(id: string, owner?: string): Promise<Todo | null> {
    const [row] = await this.#query('get', [id]);
    if (!row) return null;
    const todo = toTodo(row);
    return owner !== undefined && todo.owner !== owner ? null : todo;
  }

  async create(input: NewTodo): Promise<Todo> {
    const now = this.#timestamp();
    const todo: Todo = {
      id: newId(),
      owner: input.owner,
      text: input.text,
      completed: input.completed ?? false,
      dueDate: input.dueDate ?? null,
      createdAt: now.toISOString(),
      updatedAt: now.toISOString(),
    };
    await this.#query('insert', [
      todo.id,
      utf8(todo.owner),
      utf8(todo.text),
      todo.completed,
      todo.dueDate,
      now,
      now,
    ]);
    return todo;
  }

  async update(id: string, owner: string | undefined, patch: TodoPatch): Promise<Todo | null> {
    const [row] = await this.#query('update', [
      id,
      owner === undefined ? null : utf8(owner),
      patch.text === undefined ? null : utf8(patch.text),
      patch.completed ?? null,
      patch.dueDate !== undefined,
      patch.dueDate ?? null,
      this.#timestamp(),
    ]);
    return row ? toTodo(row) : null;
  }

  async delete(id: string, owner?: string): Promise<boolean> {
    const result = await this.#execute('delete', [id, owner === undefined ? null : utf8(owner)]);
    return result.rowCount === 1;
  }

  async ping(): Promise<void> {
    await this.#query('ping', []);
  }

  /** Ends the pool; connections a dead network holds open are not waited for past a few seconds. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await withTimeout(this.#pool.end(), CLOSE_TIMEOUT_MS, 'pool did not end in time').catch(() => undefined);
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StoreUnavailableError(message)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
