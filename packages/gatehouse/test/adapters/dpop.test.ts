import { runDpopBehaviour } from './dpop-behaviour.ts';
import { runDpopNonceBehaviour } from './dpop-nonce-behaviour.ts';
import {
  expressAuthorizeServer,
  expressServer,
  fastifyServer,
  nodeHttpServer,
  webServer,
} from './servers.ts';

// restify patches node:http's prototypes when loaded: its run is in dpop-restify.test.ts.
runDpopBehaviour('Fastify', fastifyServer);
runDpopBehaviour('Express', expressServer);
runDpopBehaviour('Express (authenticate + authorize middleware)', expressAuthorizeServer);
runDpopBehaviour('node:http', nodeHttpServer);
runDpopBehaviour('Web Request (Hono)', webServer);
runDpopNonceBehaviour('Fastify', fastifyServer);
runDpopNonceBehaviour('Express', expressServer);
runDpopNonceBehaviour('Express (authenticate + authorize middleware)', expressAuthorizeServer);
runDpopNonceBehaviour('node:http', nodeHttpServer);
runDpopNonceBehaviour('Web Request (Hono)', webServer);
