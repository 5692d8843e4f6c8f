/**
 * The DPoP floor on Express: the Express baseline plus one proof signature check in a middleware
 * before the route (as Gatehouse's Express `authenticate` runs), nothing else; see floor-dpop-verify.ts.
 */
import { createServer } from 'node:http';
import express from 'express';
import type { StartServer } from '../lib/protocol.ts';
import { ITEMS, listen, PATH } from './common.ts';
import { signatureVerifies } from './floor-dpop-verify.ts';

export const start: StartServer = async () => {
  const app = express();
  app.use((req, res, next) => {
    if (signatureVerifies(req.headers.dpop)) next();
    else res.status(401).set('www-authenticate', 'DPoP').end();
  });
  app.get(PATH, (_req, res) => {
    res.json(ITEMS);
  });
  return listen(createServer(app));
};
