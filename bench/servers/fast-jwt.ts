/**
 * node:http + fast-jwt's `createVerifier({ cache: true })`: a verified-token cache (LRU, 1,000
 * entries by default) keyed by a hash of the token; keys from get-jwks by discovery.
 */
import { createVerifier, type DecodedJwt } from 'fast-jwt';
import buildGetJwks from 'get-jwks';
import type { StartServer } from '../lib/protocol.ts';
import { listen, peerServer } from './common.ts';

export const start: StartServer = async (config) => {
  const getJwks = buildGetJwks({ providerDiscovery: true, issuersWhitelist: [config.issuer] });
  const verify = createVerifier({
    key: async (decoded: DecodedJwt) =>
      getJwks.getPublicKey({
        kid: decoded.header.kid,
        alg: decoded.header.alg,
        domain: (decoded.payload as { iss?: string }).iss,
      }),
    cache: true,
    allowedIss: config.issuer,
    allowedAud: config.audience,
    algorithms: ['RS256'],
  });
  return listen(peerServer(config.scope, (token) => verify(token) as Promise<Record<string, unknown>>));
};
