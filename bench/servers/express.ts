/** Baseline: Express, no authentication. */
import { createServer } from 'node:http';
import express from 'express';
import type { StartServer } from '../lib/protocol.ts';
import { ITEMS, listen, PATH } from './common.ts';

export const start: StartServer = async () => {
  const app = express();
  app.get(PATH, (_req, res) => {
    res.json(ITEMS);
  });
  return listen(createServer(app));
};
