import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { MIGRATIONS, migrate, schemaVersion } from '../../src/store/migrations.ts';
import { SqliteTodoStore } from '../../src/store/sqlite.ts';
import { runStoreContract } from './contract.ts';

const dir = mkdtempSync(join(tmpdir(), 'todo-sqlite-'));
after(() => rmSync(dir, { recursive: true, force: true }));

runStoreContract('sqlite (memory)', async () => new SqliteTodoStore({ path: ':memory:' }));
runStoreContract(
  'sqlite (file)',
  async () => new SqliteTodoStore({ path: join(dir, 'contract', 'todos.db') }),
);

describe('SqliteTodoStore on disk', () => {
  it('uses WAL and records each migration once', async () => {
    const path = join(dir, 'wal.db');
    const store = new SqliteTodoStore({ path });
    await store.close();
    const again = new SqliteTodoStore({ path });
    await again.close();
    const db = new Database(path, { readonly: true });
    try {
      assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
      const rows = db.prepare('SELECT version, name FROM schema_migrations ORDER BY version').all();
      assert.deepEqual(
        rows,
        MIGRATIONS.map((m) => ({ version: m.version, name: m.name })),
      );
    } finally {
      db.close();
    }
  });

  it('keeps items across close and reopen', async () => {
    const path = join(dir, 'persist.db');
    const store = new SqliteTodoStore({ path });
    const todo = await store.create({ owner: 'alice', text: 'remember me' });
    await store.close();
    const reopened = new SqliteTodoStore({ path });
    assert.deepEqual(await reopened.get(todo.id), todo);
    await reopened.close();
  });

  it('applies only new migrations, in order', () => {
    const db = new Database(':memory:');
    assert.deepEqual(migrate(db), [1]);
    assert.deepEqual(migrate(db), []);
    const next = [
      ...MIGRATIONS,
      { version: 2, name: 'add note', sql: 'ALTER TABLE todos ADD COLUMN note TEXT' },
    ];
    assert.deepEqual(migrate(db, next), [2]);
    assert.equal(schemaVersion(db), 2);
    db.close();
  });

  it('rolls back a failing migration entirely', () => {
    const db = new Database(':memory:');
    migrate(db);
    const broken = [
      ...MIGRATIONS,
      { version: 2, name: 'broken', sql: 'CREATE TABLE extra (x); SELECT * FROM nope' },
    ];
    assert.throws(() => migrate(db, broken));
    assert.equal(schemaVersion(db), 1);
    assert.equal(db.prepare("SELECT name FROM sqlite_master WHERE name = 'extra'").get(), undefined);
    db.close();
  });

  it('ping fails after close', async () => {
    const store = new SqliteTodoStore({ path: ':memory:' });
    await store.close();
    await assert.rejects(store.ping());
  });
});

describe('SqliteTodoStore file modes', () => {
  it('tightens a database and WAL left world-readable by an earlier version', async () => {
    const path = join(dir, 'old', 'todos.db');
    const old = new SqliteTodoStore({ path });
    await old.create({ owner: 'alice', text: 'x' });
    await old.close();
    chmodSync(path, 0o644);
    const store = new SqliteTodoStore({ path });
    await store.create({ owner: 'alice', text: 'y' });
    for (const file of [path, `${path}-wal`, `${path}-shm`]) {
      assert.equal((statSync(file).mode & 0o777).toString(8), '600', file);
    }
    await store.close();
  });
});
