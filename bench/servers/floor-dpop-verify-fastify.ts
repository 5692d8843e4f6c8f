/**
 * The DPoP floor on Fastify: the Fastify baseline plus one proof signature check in an `onRequest`
 * hook (where Gatehouse's Fastify plugin checks too), nothing else; see floor-dpop-verify.ts.
 */
import Fastify from 'fastify';
import type { StartServer } from '../lib/protocol.ts';
import { fastifyPort, ITEMS, PATH } from './common.ts';
import { signatureVerifies } from './floor-dpop-verify.ts';

export const start: StartServer = async () => {
  const app = Fastify({ logger: false });
  app.addHook('onRequest', (request, reply, done) => {
    if (signatureVerifies(request.headers.dpop)) done();
    else reply.code(401).header('www-authenticate', 'DPoP').send();
  });
  app.get(PATH, async () => ITEMS);
  await app.listen({ port: 0, host: '127.0.0.1' });
  return { port: fastifyPort(app), close: () => app.close() };
};
