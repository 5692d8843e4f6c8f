export { type BuildAppOptions, buildApp } from './app.ts';
export { type Config, DEFAULTS, loadConfig } from './config.ts';
export { ConfigError } from './config-error.ts';
export { createLogger } from './logger.ts';
export {
  createRedisRateLimit,
  type RateLimitBackend,
  type RateLimitStatus,
  REDIS_DEFAULTS,
} from './rate-limit-redis.ts';
export { decodeCursor, encodeCursor } from './store/cursor.ts';
export { isStoreUnavailable, StoreUnavailableError } from './store/errors.ts';
export { MIGRATIONS, migrate } from './store/migrations.ts';
export { openStore } from './store/open.ts';
export { classifyPostgresError, POSTGRES_DEFAULTS, PostgresTodoStore } from './store/postgres.ts';
export { migratePostgres, POSTGRES_MIGRATIONS } from './store/postgres-migrations.ts';
export { SqliteTodoStore } from './store/sqlite.ts';
export type { Cursor, ListQuery, NewTodo, Todo, TodoPage, TodoPatch, TodoStore } from './store/types.ts';
