/**
 * `TodoStore` on SQLite (better-sqlite3): WAL journal, numbered migrations, prepared statements.
 * better-sqlite3 is synchronous, so every write is committed before its promise resolves.
 */
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { newId } from './ids.ts';
import { migrate } from './migrations.ts';
import type { ListQuery, NewTodo, Todo, TodoPage, TodoPatch, TodoStore } from './types.ts';

interface Row {
  id: string;
  owner: string;
  text: string;
  completed: number;
  due_date: string | null;
  created_at: string;
  updated_at: string;
}

function toTodo(row: Row): Todo {
  return {
    id: row.id,
    owner: row.owner,
    text: row.text,
    completed: row.completed === 1,
    dueDate: row.due_date,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export interface SqliteStoreOptions {
  /** File path, or `:memory:`. */
  path: string;
  /** Clock, injectable for tests. */
  now?: () => Date;
}

// Everyone's items are in the file: readable by the service's user only, as the dev IdP's keys are.
const FILE_MODE = 0o600;
const DIR_MODE = 0o700;

/**
 * Creates the database file owner-only before SQLite opens it: SQLite gives its `-wal` and
 * `-shm` files the database file's mode, so they follow. A file (or WAL) left world-readable by an
 * earlier version is tightened; an existing directory is left as its owner made it.
 */
function prepareDatabaseFile(path: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: DIR_MODE });
  closeSync(openSync(path, 'a', FILE_MODE));
  for (const file of [path, `${path}-wal`, `${path}-shm`]) {
    if (existsSync(file)) chmodSync(file, FILE_MODE);
  }
}

const COLUMNS = 'id, owner, text, completed, due_date, created_at, updated_at';

export class SqliteTodoStore implements TodoStore {
  readonly #db: Database.Database;
  readonly #now: () => Date;
  readonly #statements;
  #closed = false;
  #lastTime = 0;

  constructor(options: SqliteStoreOptions) {
    if (options.path !== ':memory:') prepareDatabaseFile(options.path);
    this.#db = new Database(options.path);
    this.#now = options.now ?? (() => new Date());
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma('synchronous = NORMAL');
    this.#db.pragma('busy_timeout = 5000');
    this.#db.pragma('foreign_keys = ON');
    migrate(this.#db);
    const db = this.#db;
    this.#statements = {
      listAll: db.prepare<[number], Row>(`SELECT ${COLUMNS} FROM todos ORDER BY created_at, id LIMIT ?`),
      listAllAfter: db.prepare<[string, string, string, number], Row>(
        `SELECT ${COLUMNS} FROM todos WHERE created_at > ? OR (created_at = ? AND id > ?)
         ORDER BY created_at, id LIMIT ?`,
      ),
      listOwner: db.prepare<[string, number], Row>(
        `SELECT ${COLUMNS} FROM todos WHERE owner = ? ORDER BY created_at, id LIMIT ?`,
      ),
      listOwnerAfter: db.prepare<[string, string, string, string, number], Row>(
        `SELECT ${COLUMNS} FROM todos WHERE owner = ? AND (created_at > ? OR (created_at = ? AND id > ?))
         ORDER BY created_at, id LIMIT ?`,
      ),
      get: db.prepare<[string], Row>(`SELECT ${COLUMNS} FROM todos WHERE id = ?`),
      insert: db.prepare<[string, string, string, number, string | null, string, string]>(
        `INSERT INTO todos (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)`,
      ),
      update: db.prepare<[string, number, string | null, string, string]>(
        'UPDATE todos SET text = ?, completed = ?, due_date = ?, updated_at = ? WHERE id = ?',
      ),
      delete: db.prepare<[string]>('DELETE FROM todos WHERE id = ?'),
      ping: db.prepare('SELECT 1'),
    };
  }

  /**
   * Now, but strictly later than any earlier call, so items created in the same millisecond
   * still list in creation order.
   */
  #timestamp(): string {
    const time = Math.max(this.#now().getTime(), this.#lastTime + 1);
    this.#lastTime = time;
    return new Date(time).toISOString();
  }

  async list(query: ListQuery): Promise<TodoPage> {
    const s = this.#statements;
    const take = query.limit + 1;
    const { owner, cursor } = query;
    let rows: Row[];
    if (owner === undefined) {
      rows = cursor
        ? s.listAllAfter.all(cursor.createdAt, cursor.createdAt, cursor.id, take)
        : s.listAll.all(take);
    } else {
      rows = cursor
        ? s.listOwnerAfter.all(owner, cursor.createdAt, cursor.createdAt, cursor.id, take)
        : s.listOwner.all(owner, take);
    }
    const items = rows.slice(0, query.limit).map(toTodo);
    const last = items.at(-1);
    const next = rows.length > query.limit && last ? { createdAt: last.createdAt, id: last.id } : null;
    return { items, next };
  }

  async get(id: string, owner?: string): Promise<Todo | null> {
    const row = this.#statements.get.get(id);
    if (!row || (owner !== undefined && row.owner !== owner)) return null;
    return toTodo(row);
  }

  async create(input: NewTodo): Promise<Todo> {
    const now = this.#timestamp();
    const todo: Todo = {
      id: newId(),
      owner: input.owner,
      text: input.text,
      completed: input.completed ?? false,
      dueDate: input.dueDate ?? null,
      createdAt: now,
      updatedAt: now,
    };
    this.#statements.insert.run(
      todo.id,
      todo.owner,
      todo.text,
      todo.completed ? 1 : 0,
      todo.dueDate,
      todo.createdAt,
      todo.updatedAt,
    );
    return todo;
  }

  async update(id: string, owner: string | undefined, patch: TodoPatch): Promise<Todo | null> {
    const apply = this.#db.transaction((): Todo | null => {
      const row = this.#statements.get.get(id);
      if (!row || (owner !== undefined && row.owner !== owner)) return null;
      const current = toTodo(row);
      const next: Todo = {
        ...current,
        text: patch.text ?? current.text,
        completed: patch.completed ?? current.completed,
        dueDate: patch.dueDate === undefined ? current.dueDate : patch.dueDate,
        updatedAt: this.#timestamp(),
      };
      this.#statements.update.run(next.text, next.completed ? 1 : 0, next.dueDate, next.updatedAt, id);
      return next;
    });
    return apply.immediate();
  }

  async delete(id: string, owner?: string): Promise<boolean> {
    const remove = this.#db.transaction((): boolean => {
      const row = this.#statements.get.get(id);
      if (!row || (owner !== undefined && row.owner !== owner)) return false;
      return this.#statements.delete.run(id).changes === 1;
    });
    return remove.immediate();
  }

  async ping(): Promise<void> {
    if (this.#closed) throw new Error('store is closed');
    this.#statements.ping.get();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#db.close();
  }
}
