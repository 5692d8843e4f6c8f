// Microsoft's tutorial "Azure AD B2C: Secure a web API by using Node.js": the tasks API on Restify +
// passport, with passport-azure-ad's BearerStrategy replaced by Gatehouse's. Every other difference
// from the tutorial is marked below and listed in README.md; the two security fixes are that the
// owner of a task is the token's subject, per request (the tutorial kept it in a global variable that
// concurrent requests overwrote), and that callers are no longer auto-registered in memory.

// var OIDCBearerStrategy = require('passport-azure-ad').BearerStrategy;
import { BearerStrategy as OIDCBearerStrategy, type VerifyDone } from 'gatehouse-auth/passport';
import type { JWTPayload } from 'jose';
import passport from 'passport';
import restify from 'restify';
import * as config from './config.ts';
import { openTaskStore } from './store.ts';

// We pass these options in to the ODICBearerStrategy.

var options = {
  // The URL of the metadata document for your app. We put the keys for token validation from the URL found in the jwks_uri tag of the in the metadata.
  identityMetadata: config.creds.identityMetadata,
  clientID: config.creds.clientID,
  tenantName: config.creds.tenantName, // ignored, with a warning: the metadata URL names the tenant
  isB2C: true, // passport-azure-ad 3 needs it with policyName too; it makes policyName count.
  policyName: config.creds.policyName,
  validateIssuer: config.creds.validateIssuer,
  audience: config.creds.audience,
  passReqToCallback: config.creds.passReqToCallback,
};

// The tutorial's `var users = []; var owner = null;` are gone: the in-memory "auto-registration" let
// anyone in and grew forever, and the global `owner` belonged to whichever request had been
// verified last. The owner now travels with each request (req.user, set by the verify callback).

// MongoDB setup -> SQLite (config.creds.database)
var serverPort = process.env.PORT || 3000;
var Task = openTaskStore(config.creds.database);

/** What the verify callback hands passport: the caller's stable id, from its own token. */
interface TaskUser {
  owner: string;
}

function ownerOf(req: restify.Request): string {
  return (req as restify.Request & { user: TaskUser }).user.owner;
}

/**
 * The tutorial's routes name an `:owner`, but the token decides whose tasks these are; another
 * owner's tasks are not found (404), never shown or changed.
 */
function notYours(req: restify.Request, res: restify.Response, owner: string): boolean {
  if (!String(req.getRoute().path).includes(':owner') || req.params.owner === owner) return false;
  res.send(404, { code: 'TaskNotFound', message: req.params.owner + ' was not found' });
  return true;
}

/**
 *
 * APIs for our REST Task server
 */

// Create a task

function createTask(req: restify.Request, res: restify.Response, next: restify.Next) {
  // Resitify currently has a bug which doesn't allow you to set default headers
  // This headers comply with CORS and allow us to mongodbServer our response to any origin

  res.header('Access-Control-Allow-Origin', '*');
  res.header('Access-Control-Allow-Headers', 'X-Requested-With');

  var owner = ownerOf(req);
  if (notYours(req, res, owner)) return next(false);

  // The JSON body's `Text`, or the `:task` of POST /api/tasks/:owner/:task (the tutorial read `Text`
  // only, so its own curl example could never create a task).
  var text = req.params.Text ?? req.params.task;
  if (typeof text !== 'string' || !text) {
    req.log.warn({ params: Object.keys(req.params ?? {}) }, 'createTodo: missing task');
    // restify.RestError is gone from restify; the same answer the tutorial's MissingTaskError gave.
    res.send(409, { code: 'MissingTask', message: '"task" is a required parameter' });
    return next(false);
  }

  // The tutorial saved asynchronously and called next() both before and after saving; the store is
  // synchronous, so the task is saved before the answer, and next() is called once.
  var _task = Task.create(owner, text);
  res.send(201, _task);
  return next();
}

/// Simple returns the list of TODOs that were loaded.

function listTasks(req: restify.Request, res: restify.Response, next: restify.Next) {
  // Resitify currently has a bug which doesn't allow you to set default headers
  // This headers comply with CORS and allow us to mongodbServer our response to any origin

  res.header('Access-Control-Allow-Origin', '*');
  res.header('Access-Control-Allow-Headers', 'X-Requested-With');

  var owner = ownerOf(req);
  req.log.info({ owner: owner }, 'listTasks was called');

  var data = Task.list(owner, 20);
  if (!data.length) {
    req.log.info('There is no tasks in the database. Add one!');
  }
  // (The tutorial answered nothing at all when `owner` was unset; the owner always exists now.)
  res.json(data);
  return next();
}

// getTask, removeTask and removeAll are in the tutorial's "complete branch", not in its text.

function getTask(req: restify.Request, res: restify.Response, next: restify.Next) {
  res.header('Access-Control-Allow-Origin', '*');
  res.header('Access-Control-Allow-Headers', 'X-Requested-With');
  var owner = ownerOf(req);
  if (notYours(req, res, owner)) return next(false);
  res.json(Task.list(owner));
  return next();
}

function removeTask(req: restify.Request, res: restify.Response, next: restify.Next) {
  res.header('Access-Control-Allow-Origin', '*');
  res.header('Access-Control-Allow-Headers', 'X-Requested-With');
  var owner = ownerOf(req);
  if (notYours(req, res, owner)) return next(false);
  if (Task.remove(owner, req.params.task) === 0) {
    res.send(404, { code: 'TaskNotFound', message: req.params.task + ' was not found' });
    return next(false);
  }
  res.send(204);
  return next();
}

// The tutorial's removeAll removed every task of every user; this removes the caller's.
function removeAll(req: restify.Request, res: restify.Response, next: restify.Next) {
  res.header('Access-Control-Allow-Origin', '*');
  res.header('Access-Control-Allow-Headers', 'X-Requested-With');
  var owner = ownerOf(req);
  if (notYours(req, res, owner)) return next(false);
  Task.removeAll(owner);
  return next();
}

/**
 * Our Server
 */

var server = restify.createServer({
  name: 'Microsoft Azure Active Directroy TODO Server',
  version: '2.0.1',
});

// Ensure we don't drop data on uploads
server.pre(restify.pre.pause());

// Clean up sloppy paths like //todo//////1//
server.pre(restify.pre.sanitizePath());

// Handles annoying user agents (curl)
server.pre(restify.pre.userAgentConnection());

// Set a per request bunyan logger (with requestid filled in)
// (restify 5 moved its plugins from `restify.` to `restify.plugins.`, here and below.)
server.use(restify.plugins.requestLogger());

// Allow 5 requests/second by IP, and burst to 10 (THROTTLE_RATE and THROTTLE_BURST change it)
server.use(
  restify.plugins.throttle({
    burst: Number(process.env.THROTTLE_BURST ?? 10),
    rate: Number(process.env.THROTTLE_RATE ?? 5),
    ip: true,
  }),
);

// Use the common stuff you probably want
server.use(restify.plugins.acceptParser(server.acceptable));
server.use(restify.plugins.dateParser());
server.use(restify.plugins.queryParser());
server.use(restify.plugins.gzipResponse());
server.use(
  restify.plugins.bodyParser({
    mapParams: true,
  }),
); // Allows for JSON mapping to REST
server.use(restify.plugins.authorizationParser()); // Looks for authorization headers

// Let's start using Passport.js

server.use(passport.initialize() as unknown as restify.RequestHandler); // Starts passport
// server.use(passport.session()); // Provides session support
//   -- gone: bearer tokens need no session, and passport 0.6+ fails every request without a
//   session store behind it.

// Use the OIDCBearerStrategy that is included with passport-azure-ad

var oidcStrategy = new OIDCBearerStrategy(options, function (token: JWTPayload, done: VerifyDone) {
  // The tutorial logged the whole token here; its subject is enough.
  // "When the server stores ToDo items, it does so based on the oid of the user in the token":
  // the owner is this request's own token's `oid` (else `sub`), handed on as req.user.
  var owner = typeof token.oid === 'string' ? token.oid : token.sub;
  if (!owner) return done(null, false);
  var user: TaskUser = { owner: owner };
  return done(null, user, token);
});

passport.use(oidcStrategy);

// Add the routes to the server (duplicates of the tutorial removed: restify refuses a route twice)
server.get(
  '/api/tasks',
  passport.authenticate('oauth-bearer', {
    session: false,
  }),
  listTasks,
);
server.get(
  '/api/tasks/:owner',
  passport.authenticate('oauth-bearer', {
    session: false,
  }),
  getTask,
);
server.head(
  '/api/tasks/:owner',
  passport.authenticate('oauth-bearer', {
    session: false,
  }),
  getTask,
);
server.post(
  '/api/tasks/:owner/:task',
  passport.authenticate('oauth-bearer', {
    session: false,
  }),
  createTask,
);
server.post(
  '/api/tasks',
  passport.authenticate('oauth-bearer', {
    session: false,
  }),
  createTask,
);
server.del(
  '/api/tasks/:owner/:task',
  passport.authenticate('oauth-bearer', {
    session: false,
  }),
  removeTask,
);
server.del(
  '/api/tasks/:owner',
  passport.authenticate('oauth-bearer', {
    session: false,
  }),
  removeAll,
  function respond(_req: restify.Request, res: restify.Response, next: restify.Next) {
    res.send(204);
    next();
  },
);
server.del(
  '/api/tasks',
  passport.authenticate('oauth-bearer', {
    session: false,
  }),
  removeAll,
  function respond(_req: restify.Request, res: restify.Response, next: restify.Next) {
    res.send(204);
    next();
  },
);

// Register a default '/' handler

server.get('/', function root(_req: restify.Request, res: restify.Response, next: restify.Next) {
  var routes = [
    'GET     /',
    'POST    /api/tasks/:owner/:task',
    'POST    /api/tasks (for JSON body)',
    'GET     /api/tasks',
    'GET     /api/tasks/:owner',
    'DELETE  /api/tasks/:owner/:task',
    'DELETE  /api/tasks/:owner',
    'DELETE  /api/tasks',
  ];
  res.send(200, routes);
  next();
});

server.listen(serverPort, function () {
  console.log('%s server is listening at %s', server.name, server.url);
});
