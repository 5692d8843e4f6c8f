/** node:http + jose's `jwtVerify` on every request, keys from `createRemoteJWKSet` (cached key set). */
import { createServer } from 'node:http';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import type { StartServer } from '../lib/protocol.ts';
import { bearer, hasScope, ITEMS, listen, PATH } from './common.ts';

export const start: StartServer = async (config) => {
  const keys = createRemoteJWKSet(new URL(config.jwksUri));
  const options = { issuer: config.issuer, audience: config.audience, algorithms: ['RS256'] };
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
      jwtVerify(token, keys, options).then(
        ({ payload }) => {
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
