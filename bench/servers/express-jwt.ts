/** Express + express-jwt, keys from jwks-rsa's `expressJwtSecret` (its key cache on, the default). */
import { createServer } from 'node:http';
import express from 'express';
import { expressjwt, type GetVerificationKey, type Request as JwtRequest } from 'express-jwt';
import { expressJwtSecret } from 'jwks-rsa';
import type { StartServer } from '../lib/protocol.ts';
import { hasScope, ITEMS, listen, PATH } from './common.ts';
import { sendHttpError } from './express-errors.ts';

export const start: StartServer = async (config) => {
  const app = express();
  app.get(
    PATH,
    expressjwt({
      secret: expressJwtSecret({
        jwksUri: config.jwksUri,
        cache: true,
        rateLimit: true,
        jwksRequestsPerMinute: 10,
      }) as GetVerificationKey,
      issuer: config.issuer,
      audience: config.audience,
      algorithms: ['RS256'],
    }),
    (req: JwtRequest, res) => {
      if (!hasScope(req.auth, config.scope)) {
        res.status(403).json({ error: 'insufficient_scope' });
        return;
      }
      res.json(ITEMS);
    },
  );
  app.use(sendHttpError);
  return listen(createServer(app));
};
