import type { DatabaseConfig } from '../config.ts';
import { PostgresTodoStore } from './postgres.ts';
import { SqliteTodoStore } from './sqlite.ts';
import type { TodoStore } from './types.ts';

export interface OpenStoreOptions {
  /** PostgreSQL: errors of idle connections (already discarded by the pool), e.g. for the log. */
  onConnectionError?: (error: Error) => void;
}

/**
 * Opens the store `DATABASE_URL` names. SQLite opens (and migrates) here and throws if it cannot;
 * PostgreSQL connects and migrates on first use, so the API can start before the database.
 */
export function openStore(database: DatabaseConfig, options: OpenStoreOptions = {}): TodoStore {
  switch (database.kind) {
    case 'sqlite':
      return new SqliteTodoStore({ path: database.path });
    case 'postgres':
      return new PostgresTodoStore({
        connectionString: database.url,
        ...(options.onConnectionError ? { onConnectionError: options.onConnectionError } : {}),
      });
  }
}
