import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';

/** A timesheet entry as the SPA sends it, plus who it belongs to and its id. */
export type Timesheet = Record<string, unknown> & { id: number; user_id: string };

interface Row {
  id: number;
  user_id: string;
  entry: string;
}

const toTimesheet = (row: Row): Timesheet => ({ ...JSON.parse(row.entry), id: row.id, user_id: row.user_id });

/** "Save the timesheet to the database...": SQLite, `timesheets.db` under `dataDir`. */
export function openTimesheetStore(dataDir: string) {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const db = new Database(join(dataDir, 'timesheets.db'));
  db.pragma('journal_mode = WAL');
  db.exec(`CREATE TABLE IF NOT EXISTS timesheets (
    id INTEGER PRIMARY KEY AUTOINCREMENT, user_id TEXT NOT NULL, entry TEXT NOT NULL, created_at TEXT NOT NULL
  );
  CREATE INDEX IF NOT EXISTS timesheets_user ON timesheets (user_id, id);`);
  const insert = db.prepare(
    'INSERT INTO timesheets (user_id, entry, created_at) VALUES (?, ?, ?) RETURNING *',
  );
  const byUser = db.prepare('SELECT * FROM timesheets WHERE user_id = ? ORDER BY id');
  return {
    /** Saves the entry for `userId`; `id` and `user_id` in it are the store's, whatever the client sent. */
    save(userId: string, timesheet: Record<string, unknown>): Timesheet {
      const { id: _id, user_id: _userId, ...entry } = timesheet;
      return toTimesheet(insert.get(userId, JSON.stringify(entry), new Date().toISOString()) as Row);
    },
    list(userId: string): Timesheet[] {
      return (byUser.all(userId) as Row[]).map(toTimesheet);
    },
    close(): void {
      db.close();
    },
  };
}
