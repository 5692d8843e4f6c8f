/**
 * The shared route table on restify. Kept apart from servers.ts because importing restify patches
 * node's ServerResponse for the whole process (its writeHead stops returning the response).
 */
import restify from 'restify';
import { authenticate as restifyAuthenticate } from '../../src/adapters/restify.ts';
import type { Principal } from '../../src/index.ts';
import { listen } from './http-client.ts';
import { assertType, type Exactly, type MakeServer, principalJson, ROUTES } from './servers.ts';

export const restifyServer: MakeServer = async (gatehouse) => {
  const app = restify.createServer({ handleUncaughtExceptions: false });
  // Bodies are parsed before authentication, so a token in a body is there to be (not) found.
  app.use(restify.plugins.bodyParser({ mapParams: false }));
  app.get('/public', (_req, res, next) => {
    res.send({ public: true });
    next();
  });
  for (const { method, path, auth } of ROUTES) {
    const mount = method === 'GET' ? app.get.bind(app) : app.post.bind(app);
    mount(
      path,
      restifyAuthenticate(gatehouse, auth),
      (req: restify.Request, res: restify.Response, next: restify.Next) => {
        assertType<Exactly<typeof req.principal, Principal | null | undefined>>();
        res.send(principalJson(req.principal ?? null));
        next();
      },
    );
  }
  return listen(app.server);
};
