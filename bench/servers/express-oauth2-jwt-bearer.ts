/**
 * Express + express-oauth2-jwt-bearer (Auth0's middleware; jose underneath), discovery by
 * issuerBaseURL; with `config.dpop`, DPoP required.
 */
import { createServer } from 'node:http';
import express from 'express';
import { auth, claimIncludes } from 'express-oauth2-jwt-bearer';
import type { StartServer } from '../lib/protocol.ts';
import { ITEMS, listen, PATH } from './common.ts';
import { sendHttpError } from './express-errors.ts';

export const start: StartServer = async (config) => {
  const app = express();
  app.get(
    PATH,
    auth({
      issuerBaseURL: config.issuer,
      audience: config.audience,
      tokenSigningAlg: 'RS256',
      // Its default is DPoP allowed ({ enabled: true, required: false }); the DPoP row requires it.
      ...(config.dpop ? { dpop: { enabled: true, required: true } } : {}),
    }),
    claimIncludes('scp', config.scope),
    (_req, res) => {
      res.json(ITEMS);
    },
  );
  app.use(sendHttpError);
  return listen(createServer(app));
};
