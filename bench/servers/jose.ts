/** node:http + jose's `jwtVerify` on every request, keys from `createRemoteJWKSet` (cached key set). */
import { createRemoteJWKSet, jwtVerify } from 'jose';
import type { StartServer } from '../lib/protocol.ts';
import { listen, peerServer } from './common.ts';

export const start: StartServer = async (config) => {
  const keys = createRemoteJWKSet(new URL(config.jwksUri));
  const options = { issuer: config.issuer, audience: config.audience, algorithms: ['RS256'] };
  return listen(peerServer(config.scope, (token) => jwtVerify(token, keys, options).then((r) => r.payload)));
};
