/**
 * The passport drop-in on restify, in a file of its own: importing restify patches node's
 * ServerResponse for the whole process (its writeHead stops returning the response).
 */
import restify from 'restify';
import { listen } from '../adapters/http-client.ts';
import { type MountPassport, runPassportBehaviour } from './passport-behaviour.ts';

/**
 * The shape of passport-azure-ad's restify sample: `passport.initialize()` and
 * `passport.authenticate('oauth-bearer')` as restify middleware.
 */
const passportRestifyServer: MountPassport = async (authenticator) => {
  const app = restify.createServer({ handleUncaughtExceptions: false });
  // passport's middleware is typed for Express.
  app.use(authenticator.initialize() as unknown as restify.RequestHandler);
  app.get('/public', (_req, res, next) => {
    res.send({ public: true });
    next();
  });
  app.get(
    '/hello',
    authenticator.authenticate('oauth-bearer', { session: false }) as unknown as restify.RequestHandler,
    (req: restify.Request, res: restify.Response, next: restify.Next) => {
      res.send({ user: (req as restify.Request & { user?: unknown }).user });
      next();
    },
  );
  return listen(app.server);
};

runPassportBehaviour('restify', passportRestifyServer);
