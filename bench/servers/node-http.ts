/** Baseline: plain node:http, no authentication. */
import { createServer } from 'node:http';
import type { StartServer } from '../lib/protocol.ts';
import { ITEMS, listen, PATH } from './common.ts';

export const start: StartServer = async () =>
  listen(
    createServer((req, res) => {
      if (req.method === 'GET' && req.url === PATH) {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(ITEMS));
        return;
      }
      res.writeHead(404).end();
    }),
  );
