/** The to-do API's `GET /api/todos` handler on a bare Fastify, authentication off (a fixed caller). */
import type { JWTPayload } from 'jose';
import type { StartServer } from '../lib/protocol.ts';
import { fastifyPort } from './common.ts';
import { fixedPrincipal, seededStore, todoRoutesApp } from './todo-common.ts';

export const start: StartServer = async (config) => {
  if (!config.todo) throw new Error('todo config missing');
  const store = await seededStore(config.todo);
  const app = await todoRoutesApp(store, { principal: fixedPrincipal(config.todo.claims as JWTPayload) });
  await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    port: fastifyPort(app),
    close: async () => {
      await app.close();
      await store.close();
    },
  };
};
