/** Gatehouse on Fastify (the `gatehouse-auth/fastify` plugin, route `config.gatehouse`). */
import Fastify from 'fastify';
import { requireScopes } from 'gatehouse-auth';
import { gatehouse } from 'gatehouse-auth/fastify';
import type { StartServer } from '../lib/protocol.ts';
import { fastifyPort, ITEMS, PATH, until } from './common.ts';
import { gatehouseOptions } from './gatehouse-options.ts';

export const start: StartServer = async (config) => {
  const app = Fastify({ logger: false });
  await app.register(gatehouse, gatehouseOptions(config));
  app.get(PATH, { config: { gatehouse: { require: [requireScopes([config.scope])] } } }, async () => ITEMS);
  await app.listen({ port: 0, host: '127.0.0.1' });
  await until(() => app.gatehouse.ready);
  return { port: fastifyPort(app), close: () => app.close() };
};
