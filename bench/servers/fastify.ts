/** Baseline: Fastify, no authentication. */
import Fastify from 'fastify';
import type { StartServer } from '../lib/protocol.ts';
import { fastifyPort, ITEMS, PATH } from './common.ts';

export const start: StartServer = async () => {
  const app = Fastify({ logger: false });
  app.get(PATH, async () => ITEMS);
  await app.listen({ port: 0, host: '127.0.0.1' });
  return { port: fastifyPort(app), close: () => app.close() };
};
