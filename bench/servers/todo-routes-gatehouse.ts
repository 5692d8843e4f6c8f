/** The to-do API's `GET /api/todos` handler on a bare Fastify, with the Gatehouse plugin. */
import { createGatehouse } from 'gatehouse-auth';
import type { StartServer } from '../lib/protocol.ts';
import { fastifyPort, until } from './common.ts';
import { gatehouseOptions } from './gatehouse-options.ts';
import { seededStore, todoRoutesApp } from './todo-common.ts';

export const start: StartServer = async (config) => {
  if (!config.todo) throw new Error('todo config missing');
  const store = await seededStore(config.todo);
  const gh = createGatehouse(gatehouseOptions(config));
  gh.start();
  await until(() => gh.ready);
  const app = await todoRoutesApp(store, { gatehouse: gh });
  await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    port: fastifyPort(app),
    close: async () => {
      await app.close();
      gh.close();
      await store.close();
    },
  };
};
