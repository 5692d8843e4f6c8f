/** Fastify + @fastify/jwt (fast-jwt underneath, no verified-token cache by default), keys from get-jwks by discovery. */
import fastifyJwt, { type TokenOrHeader } from '@fastify/jwt';
import Fastify, { type FastifyRequest } from 'fastify';
import buildGetJwks from 'get-jwks';
import type { StartServer } from '../lib/protocol.ts';
import { fastifyPort, hasScope, ITEMS, PATH } from './common.ts';

interface Decoded {
  header: { kid?: string; alg?: string };
  payload: { iss?: string };
}

export const start: StartServer = async (config) => {
  const getJwks = buildGetJwks({ providerDiscovery: true, issuersWhitelist: [config.issuer] });
  const app = Fastify({ logger: false });
  await app.register(fastifyJwt, {
    decode: { complete: true },
    secret: (_request: FastifyRequest, token: TokenOrHeader): Promise<string> => {
      const { header, payload } = token as Decoded;
      return getJwks.getPublicKey({ kid: header.kid, alg: header.alg, domain: payload.iss });
    },
    verify: { allowedIss: config.issuer, allowedAud: config.audience, algorithms: ['RS256'] },
  });
  app.addHook('onRequest', async (request, reply) => {
    try {
      await request.jwtVerify();
    } catch {
      return reply.code(401).header('www-authenticate', 'Bearer').send({ error: 'unauthorized' });
    }
  });
  app.get(PATH, async (request, reply) => {
    if (!hasScope(request.user as Record<string, unknown>, config.scope)) {
      return reply.code(403).send({ error: 'insufficient_scope' });
    }
    return ITEMS;
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  return { port: fastifyPort(app), close: () => app.close() };
};
