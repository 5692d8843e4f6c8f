/** Gatehouse on Express (`gatehouse-auth/express`'s `authenticate` + `authorize`). */
import { createServer } from 'node:http';
import express from 'express';
import { createGatehouse, requireScopes } from 'gatehouse-auth';
import { authenticate, authorize } from 'gatehouse-auth/express';
import type { StartServer } from '../lib/protocol.ts';
import { ITEMS, listen, PATH, until } from './common.ts';
import { gatehouseOptions } from './gatehouse-options.ts';

export const start: StartServer = async (config) => {
  const gh = createGatehouse(gatehouseOptions(config));
  gh.start();
  await until(() => gh.ready);
  const app = express();
  app.get(PATH, authenticate(gh), authorize(requireScopes([config.scope])), (_req, res) => {
    res.json(ITEMS);
  });
  const started = await listen(createServer(app));
  return {
    port: started.port,
    close: async () => {
      await started.close();
      gh.close();
    },
  };
};
