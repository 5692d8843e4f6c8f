/**
 * The whole to-do API as `buildApp` makes it (CORS, shutdown hooks, OpenAPI, problem handlers,
 * Gatehouse), on SQLite; rate limiting off (600/60 per caller would refuse the load) and no
 * request logging (LOG_LEVEL silent), as neither is what this case measures.
 */
import { createGatehouse } from 'gatehouse-auth';
import { buildApp } from 'gatehouse-todo-api/app';
import { loadConfig } from 'gatehouse-todo-api/config';
import type { StartServer } from '../lib/protocol.ts';
import { fastifyPort, until } from './common.ts';
import { seededStore } from './todo-common.ts';

export const start: StartServer = async (config) => {
  if (!config.todo) throw new Error('todo config missing');
  const appConfig = loadConfig({
    AUTH_ISSUER: config.issuer,
    AUTH_AUDIENCE: config.audience,
    DATABASE_URL: `sqlite:${config.todo.dbPath}`,
    RATE_LIMIT: 'off',
    LOG_LEVEL: 'silent',
  });
  const store = await seededStore(config.todo);
  // As apps/todo-api/src/server.ts builds it, less the logger.
  const gatehouse = createGatehouse({ issuer: config.issuer, audience: appConfig.auth.audience });
  const app = await buildApp({ config: appConfig, store, gatehouse });
  gatehouse.start();
  await until(() => gatehouse.ready);
  await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    port: fastifyPort(app),
    close: async () => {
      await app.close();
      gatehouse.close();
      await store.close();
    },
  };
};
