/**
 * The same small API built with each adapter. Every factory mounts the shared route table and
 * nothing else, so any difference the behaviour suite sees comes from the adapter itself.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import express from 'express';
import Fastify from 'fastify';
import { Hono } from 'hono';
import {
  authenticate as expressAuthenticate,
  authorize as expressAuthorize,
} from '../../src/adapters/express.ts';
import { gatehouse as fastifyGatehouse, protect as fastifyProtect } from '../../src/adapters/fastify.ts';
import { protect as nodeProtect } from '../../src/adapters/node-http.ts';
import { protect as webProtect } from '../../src/adapters/web.ts';
import type { RouteAuth } from '../../src/core/guard.ts';
import {
  type Gatehouse,
  type Principal,
  requireAuthContext,
  requireAuthentication,
  requireClaim,
  requireScopeOrAppPermission,
  requireScopes,
  requireSomeScopeOrAppPermission,
} from '../../src/index.ts';
import { listen, type RunningServer } from './http-client.ts';

/** The `tid` the test issuer puts in its tokens; `/claim` requires exactly this. */
export const TENANT = '00000000-0000-0000-0000-00000000000t';

export interface ProtectedRoute {
  method: 'GET' | 'POST';
  path: string;
  auth: RouteAuth;
}

const read: RouteAuth = {
  require: [
    requireScopeOrAppPermission({
      scopes: ['ToDoList.Read', 'ToDoList.ReadWrite'],
      appPermissions: ['ToDoList.Read.All'],
    }),
  ],
};

/** `GET /public` (no auth) is mounted separately; these are the protected routes. */
export const ROUTES: readonly ProtectedRoute[] = [
  { method: 'GET', path: '/read', auth: read },
  // Same guard as GET /read, so a token in a form or JSON body can be shown to be ignored.
  { method: 'POST', path: '/read', auth: read },
  { method: 'GET', path: '/write', auth: { require: [requireScopes(['ToDoList.ReadWrite'])] } },
  { method: 'GET', path: '/optional', auth: { optional: true } },
  { method: 'GET', path: '/claim', auth: { require: [requireClaim('tid', TENANT)] } },
  // No requirement at all: still needs a token with some scope or app permission.
  { method: 'GET', path: '/authenticated', auth: {} },
  // A route that authorizes by its own means accepts tokens without scopes or app permissions.
  {
    method: 'GET',
    path: '/acl',
    auth: { require: [requireClaim('tid', TENANT)], allowTokensWithoutScopes: true },
  },
  // RFC 9470 step-up: `mfa` or `phr`, signed in at most 300 s ago.
  {
    method: 'GET',
    path: '/step-up',
    auth: { require: [requireAuthentication({ acr: ['mfa', 'phr'], maxAge: 300 })] },
  },
  // Entra Conditional Access authentication context c1, asked for by a claims challenge.
  { method: 'GET', path: '/auth-context', auth: { require: [requireAuthContext('c1')] } },
];

export type PrincipalJson =
  | { subject: string; isApp: boolean; scopes: readonly string[] }
  | { anonymous: true };

/** What every route answers: the caller, or `{ anonymous: true }`. */
export function principalJson(principal: Principal | null): PrincipalJson {
  if (principal === null) return { anonymous: true };
  return { subject: principal.subject, isApp: principal.isApp, scopes: principal.scopes };
}

/** Compile-time check that a value has exactly type `Expected` (not `any`, not wider). */
export type Exactly<A, B> =
  (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
export function assertType<_Check extends true>(): void {}

export type MakeServer = (gatehouse: Gatehouse) => Promise<RunningServer>;

export const fastifyServer: MakeServer = async (gatehouse) => {
  const app = Fastify({ forceCloseConnections: true });
  await app.register(fastifyGatehouse, { gatehouse });
  app.get('/public', { config: { gatehouse: { public: true } } }, async () => ({ public: true }));
  for (const { method, path, auth } of ROUTES) {
    app.route({
      method,
      url: path,
      config: { gatehouse: auth },
      handler: async (request) => {
        assertType<Exactly<typeof request.principal, Principal | null>>();
        return principalJson(request.principal);
      },
    });
  }
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => app.close() };
};

/** The same routes through the route-level hook, `onRequest: protect({...})`. */
export const fastifyProtectServer: MakeServer = async (gatehouse) => {
  const app = Fastify({ forceCloseConnections: true });
  await app.register(fastifyGatehouse, { gatehouse });
  app.get('/public', { config: { gatehouse: { public: true } } }, async () => ({ public: true }));
  for (const { method, path, auth } of ROUTES) {
    app.route({
      method,
      url: path,
      onRequest: fastifyProtect(auth),
      handler: async (request) => principalJson(request.principal),
    });
  }
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => app.close() };
};

export const expressServer: MakeServer = async (gatehouse) => {
  const app = express();
  // Bodies are parsed before authentication, so a token in a body is there to be (not) found.
  app.use(express.urlencoded({ extended: false }), express.json());
  app.get('/public', (_req, res) => {
    res.json({ public: true });
  });
  for (const { method, path, auth } of ROUTES) {
    const mount = method === 'GET' ? app.get.bind(app) : app.post.bind(app);
    mount(path, expressAuthenticate(gatehouse, auth), (req, res) => {
      assertType<Exactly<typeof req.principal, Principal | null | undefined>>();
      res.json(principalJson(req.principal ?? null));
    });
  }
  return listen(createServer(app));
};

/** The same routes with requirements checked by a separate `authorize(...)` middleware. */
export const expressAuthorizeServer: MakeServer = async (gatehouse) => {
  const app = express();
  app.use(express.urlencoded({ extended: false }), express.json());
  app.get('/public', (_req, res) => {
    res.json({ public: true });
  });
  for (const { method, path, auth } of ROUTES) {
    const mount = method === 'GET' ? app.get.bind(app) : app.post.bind(app);
    // authenticate() alone would refuse a token without scopes before authorize() could name the
    // scope to ask for; where a route has requirements, authorize() applies that default after them.
    const own = auth.require ?? [];
    const deferred = own.length > 0;
    const requirements = deferred
      ? [...own, ...(auth.allowTokensWithoutScopes === true ? [] : [requireSomeScopeOrAppPermission])]
      : [];
    const checks = requirements.length > 0 ? [expressAuthorize(...requirements)] : [];
    mount(
      path,
      expressAuthenticate(gatehouse, {
        optional: auth.optional === true,
        allowTokensWithoutScopes: deferred || auth.allowTokensWithoutScopes === true,
      }),
      ...checks,
      (req, res) => {
        res.json(principalJson(req.principal ?? null));
      },
    );
  }
  return listen(createServer(app));
};

function json(res: ServerResponse, body: unknown): void {
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

export const nodeHttpServer: MakeServer = async (gatehouse) => {
  const handlers = new Map<string, (req: IncomingMessage, res: ServerResponse) => void>();
  handlers.set('GET /public', (_req, res) => json(res, { public: true }));
  for (const { method, path, auth } of ROUTES) {
    handlers.set(
      `${method} ${path}`,
      nodeProtect(gatehouse, auth, (_req, res, principal) => {
        assertType<Exactly<typeof principal, Principal | null>>();
        json(res, principalJson(principal));
      }),
    );
  }
  return listen(
    createServer((req, res) => {
      const handler = handlers.get(`${req.method} ${new URL(req.url ?? '/', 'http://localhost').pathname}`);
      if (handler) handler(req, res);
      else res.writeHead(404).end();
    }),
  );
};

export const webServer: MakeServer = async (gatehouse) => {
  const app = new Hono();
  app.get('/public', (c) => c.json({ public: true }));
  for (const { method, path, auth } of ROUTES) {
    const handler = webProtect(gatehouse, auth, (_request, principal) => {
      assertType<Exactly<typeof principal, Principal | null>>();
      return Response.json(principalJson(principal));
    });
    app.on(method, path, (c) => handler(c.req.raw));
  }
  return listen(createServer(getRequestListener(app.fetch)));
};
