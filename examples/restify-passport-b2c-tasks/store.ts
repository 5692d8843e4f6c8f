import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';

/** The tutorial's Mongoose `Task` model (owner, Text, completed, date), as it went over the wire. */
export interface Task {
  _id: string;
  owner: string;
  Text: string;
  completed: boolean;
  date: string;
}

interface Row {
  id: string;
  owner: string;
  text: string;
  completed: number;
  date: string;
}

const toTask = (row: Row): Task => ({
  _id: row.id,
  owner: row.owner,
  Text: row.text,
  completed: row.completed === 1,
  date: row.date,
});

/** Replaces the tutorial's MongoDB: one SQLite table, every query scoped to an owner. */
export function openTaskStore(path: string) {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.exec(`CREATE TABLE IF NOT EXISTS tasks (
    id TEXT PRIMARY KEY, owner TEXT NOT NULL, text TEXT NOT NULL,
    completed INTEGER NOT NULL DEFAULT 0, date TEXT NOT NULL, seq INTEGER NOT NULL
  );
  CREATE INDEX IF NOT EXISTS tasks_owner ON tasks (owner, date, seq);`);
  const insert = db.prepare(
    `INSERT INTO tasks (id, owner, text, completed, date, seq)
     VALUES (?, ?, ?, 0, ?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM tasks)) RETURNING *`,
  );
  const byOwner = db.prepare('SELECT * FROM tasks WHERE owner = ? ORDER BY date, seq LIMIT ?');
  const removeText = db.prepare('DELETE FROM tasks WHERE owner = ? AND text = ?');
  const removeOwner = db.prepare('DELETE FROM tasks WHERE owner = ?');
  return {
    create(owner: string, text: string): Task {
      return toTask(insert.get(randomUUID(), owner, text, new Date().toISOString()) as Row);
    },
    /** The owner's tasks by date; the tutorial lists 20 (`.limit(20).sort('date')`). */
    list(owner: string, limit = -1): Task[] {
      return (byOwner.all(owner, limit) as Row[]).map(toTask);
    },
    /** Removes the owner's tasks with this text; how many went. */
    remove(owner: string, text: string): number {
      return removeText.run(owner, text).changes;
    },
    removeAll(owner: string): number {
      return removeOwner.run(owner).changes;
    },
    close(): void {
      db.close();
    },
  };
}
