export { type BuildAppOptions, buildApp } from './app.ts';
export { type Config, ConfigError, DEFAULTS, loadConfig } from './config.ts';
export { createLogger } from './logger.ts';
export { decodeCursor, encodeCursor } from './store/cursor.ts';
export { MIGRATIONS, migrate } from './store/migrations.ts';
export { openStore } from './store/open.ts';
export { SqliteTodoStore } from './store/sqlite.ts';
export type { Cursor, ListQuery, NewTodo, Todo, TodoPage, TodoPatch, TodoStore } from './store/types.ts';
