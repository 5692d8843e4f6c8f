/**
 * node:http + fast-jwt's `createVerifier({ cache: true })`: a verified-token cache (LRU, 1,000
 * entries by default) keyed by a hash of the token; keys from get-jwks by discovery.
 */
import { createServer } from 'node:http';
import { createVerifier, type DecodedJwt } from 'fast-jwt';
import buildGetJwks from 'get-jwks';
import type { StartServer } from '../lib/protocol.ts';
import { bearer, hasScope, ITEMS, listen, PATH } from './common.ts';

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
  return listen(
    createServer((req, res) => {
      if (req.method !== 'GET' || req.url !== PATH) {
        res.writeHead(404).end();
        return;
      }
      const token = bearer(req);
      if (token === undefined) {
        res.writeHead(401, { 'www-authenticate': 'Bearer' }).end();
        return;
      }
      verify(token).then(
        (payload: Record<string, unknown>) => {
          if (!hasScope(payload, config.scope)) {
            res.writeHead(403).end();
            return;
          }
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(ITEMS));
        },
        () => res.writeHead(401, { 'www-authenticate': 'Bearer error="invalid_token"' }).end(),
      );
    }),
  );
};
