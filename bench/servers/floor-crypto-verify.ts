/**
 * The floor, not a verifier: node:http, one node:crypto RS256 check with a `KeyObject` made once,
 * jose's `decodeJwt` and the scope check — no `kid`, `iss`, `aud`, `exp` or header checks. What is
 * left of any verifier's cost per token once everything but the signature and the decode is gone.
 */
import { createPublicKey, type JsonWebKey, verify } from 'node:crypto';
import { createServer } from 'node:http';
import { decodeJwt } from 'jose';
import type { StartServer } from '../lib/protocol.ts';
import { bearer, hasScope, ITEMS, listen, PATH } from './common.ts';

export const start: StartServer = async (config) => {
  const jwks = (await (await fetch(config.jwksUri)).json()) as { keys: JsonWebKey[] };
  const key = createPublicKey({ key: jwks.keys[0]!, format: 'jwk' });
  return listen(
    createServer((req, res) => {
      if (req.method !== 'GET' || req.url !== PATH) {
        res.writeHead(404).end();
        return;
      }
      const token = bearer(req);
      const dot = token?.lastIndexOf('.') ?? -1;
      const ok =
        token !== undefined &&
        dot > 0 &&
        verify(
          'sha256',
          Buffer.from(token.slice(0, dot), 'latin1'),
          key,
          Buffer.from(token.slice(dot + 1), 'base64url'),
        );
      if (!ok) {
        res.writeHead(401, { 'www-authenticate': 'Bearer' }).end();
        return;
      }
      if (!hasScope(decodeJwt(token), config.scope)) {
        res.writeHead(403).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(ITEMS));
    }),
  );
};
