/** Gatehouse on node:http (`gatehouse-auth/node`'s `protect`). */
import { createServer } from 'node:http';
import { createGatehouse, type Gatehouse, requireScopes } from 'gatehouse-auth';
import { protect } from 'gatehouse-auth/node';
import type { ServerConfig, Started, StartServer } from '../lib/protocol.ts';
import { ITEMS, listen, PATH, until } from './common.ts';
import { gatehouseOptions } from './gatehouse-options.ts';

/** The server, with the Gatehouse handed to `attach` before it serves (the OpenTelemetry row's gauges). */
export async function startGatehouseNode(
  config: ServerConfig,
  attach?: (gh: Gatehouse) => void,
): Promise<Started> {
  const gh = createGatehouse(gatehouseOptions(config));
  attach?.(gh);
  gh.start();
  await until(() => gh.ready);
  const items = protect(gh, { require: [requireScopes([config.scope])] }, (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(ITEMS));
  });
  const started = await listen(
    createServer((req, res) => {
      if (req.method === 'GET' && req.url === PATH) {
        items(req, res);
        return;
      }
      res.writeHead(404).end();
    }),
  );
  return {
    port: started.port,
    close: async () => {
      await started.close();
      gh.close();
    },
  };
}

export const start: StartServer = (config) => startGatehouseNode(config);
