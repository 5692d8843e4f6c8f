import type { DatabaseConfig } from '../config.ts';
import { SqliteTodoStore } from './sqlite.ts';
import type { TodoStore } from './types.ts';

/** Opens the store `DATABASE_URL` names (PostgreSQL will be added here). */
export function openStore(database: DatabaseConfig): TodoStore {
  switch (database.kind) {
    case 'sqlite':
      return new SqliteTodoStore({ path: database.path });
  }
}
