/**
 * Builds the Fastify application from its parts; listens nowhere, so tests use `inject()`.
 * Hook order on every request: CORS -> rate limit (anonymous / refused IPs) -> Gatehouse
 * (authenticate + authorize the route) -> rate limit (per caller) -> parse -> validate -> handler.
 */
import cors from '@fastify/cors';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyServerFactory } from 'fastify';
import type { Gatehouse } from 'gatehouse-auth';
import gatehousePlugin from 'gatehouse-auth/fastify';
import type { Config } from './config.ts';
import { registerOpenApi } from './openapi.ts';
import { userAuthContext, userStepUp } from './permissions.ts';
import { errorHandler, notFoundHandler, problem, problemForFrameworkError, sendProblem } from './problems.ts';
import { createRateLimit } from './rate-limit.ts';
import type { RateLimitBackend, RateLimitStatus } from './rate-limit-redis.ts';
import { baseUrl, metaRoutes } from './routes/meta.ts';
import { TODOS_PATH, todoRoutes } from './routes/todos.ts';
import { problemSchema, todoSchema } from './schemas.ts';
import { registerSecurityHeaders } from './security-headers.ts';
import type { TodoStore } from './store/types.ts';

export interface BuildAppOptions {
  config: Config;
  store: TodoStore;
  gatehouse: Gatehouse;
  /** A pino logger; no logging when absent. */
  logger?: FastifyBaseLogger;
  /** Where rate-limit state lives (Redis, shared by instances); this process's memory when absent. */
  rateLimit?: RateLimitBackend;
  /** The https server when the API terminates TLS itself (tls.ts); plain http when absent. */
  serverFactory?: FastifyServerFactory;
}

/** Probes are never rate limited. */
const UNLIMITED_PATHS = ['/health', '/ready'];

/**
 * Graceful shutdown: once closing starts, new requests get 503 + Retry-After, and every response
 * (including those of requests already in flight) asks the client to close its connection, so
 * keep-alive connections do not hold the server open.
 */
function drainOnClose(app: FastifyInstance): void {
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onRequest', async (_request, reply) => {
    if (!closing) return;
    reply.header('connection', 'close');
    await sendProblem(
      reply,
      problem(503, 'ERR_SHUTTING_DOWN', 'The server is shutting down; retry shortly'),
      {
        'retry-after': '1',
      },
    );
  });
  app.addHook('onSend', async (_request, reply) => {
    if (closing) reply.header('connection', 'close');
  });
}

function trustHops(hops: number): (address: string, hop: number) => boolean {
  return (_address, hop) => hop < hops;
}

export async function buildApp(options: BuildAppOptions): Promise<FastifyInstance> {
  const { config, store, gatehouse } = options;
  const app = Fastify({
    ...(options.logger ? { loggerInstance: options.logger } : { logger: false }),
    ...(options.serverFactory ? { serverFactory: options.serverFactory } : {}),
    bodyLimit: config.bodyLimit,
    // Strict input: no type coercion, no silent removal of unknown members.
    ajv: {
      customOptions: { coerceTypes: false, removeAdditional: false, useDefaults: false, allErrors: false },
    },
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    frameworkErrors: (error, request, reply) =>
      sendProblem(reply, problemForFrameworkError(error, request.raw.url ?? '/', `${TODOS_PATH}/`)),
    // Requests that arrive while closing get a problem body from `drainOnClose` instead.
    return503OnClosing: false,
    // `request.ip` keys rate-limit budgets: behind a load balancer it must be the client, not the balancer.
    // A hop count as the function Fastify would build from it (its types leave numbers out).
    trustProxy: typeof config.trustProxy === 'number' ? trustHops(config.trustProxy) : config.trustProxy,
  });

  // First, so that every answer carries the headers, the 503s and 429s of the hooks below included.
  await registerSecurityHeaders(app);
  drainOnClose(app);
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler(notFoundHandler);
  app.addSchema(todoSchema);
  app.addSchema(problemSchema);
  // JSON only: text/plain bodies get 415 like every other type; JSON Merge Patch is plain JSON here.
  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser(
    'application/merge-patch+json',
    { parseAs: 'string' },
    app.getDefaultJsonParser('error', 'error'),
  );

  await app.register(cors, {
    origin: config.corsOrigins.length > 0 ? config.corsOrigins : false,
    credentials: false,
    methods: ['GET', 'HEAD', 'POST', 'PATCH', 'DELETE'],
    // DPoP (RFC 9449): browser clients send their proof in `DPoP` and read each next nonce from
    // `DPoP-Nonce`, on refusals and successes alike (§8.2).
    allowedHeaders: ['Authorization', 'Content-Type', 'DPoP'],
    exposedHeaders: [
      'DPoP-Nonce',
      'Location',
      'Link',
      'Retry-After',
      'WWW-Authenticate',
      'RateLimit-Limit',
      'RateLimit-Remaining',
      'RateLimit-Reset',
    ],
    maxAge: 600,
  });

  const rateLimit = createRateLimit({
    config: config.rateLimit,
    // The verified caller: its tenant (one directory, whichever of its issuers signed), else its
    // issuer, so that two issuers' subjects never share a budget.
    identify: (request) => {
      const p = request.principal;
      return p ? `${p.tenant ?? p.issuer}:${p.subject}` : null;
    },
    isValidToken: async (request) => {
      try {
        return (await gatehouse.authenticateNow(request, { optional: true })) !== null;
      } catch {
        return false;
      }
    },
    exempt: UNLIMITED_PATHS,
    ...(options.rateLimit ? { limiter: options.rateLimit.limiter } : {}),
  });
  if (rateLimit) app.addHook('onRequest', rateLimit.beforeAuth);
  await app.register(gatehousePlugin, {
    gatehouse,
    // RFC 9728 §5.1: every 401/403 names this API's metadata document, at the URL meta.ts serves it.
    resourceMetadataFor: (request) => `${baseUrl(config, request)}/.well-known/oauth-protected-resource`,
  });
  if (rateLimit) {
    app.addHook('onRequest', rateLimit.afterAuth);
    app.addHook('onResponse', rateLimit.onResponse);
  }

  await registerOpenApi(app, config, gatehouse);
  const backend = options.rateLimit;
  const rateLimitStatus = (): RateLimitStatus =>
    !config.rateLimit.enabled
      ? { ok: true, store: 'off', shared: false }
      : (backend?.status() ?? { ok: true, store: 'memory', shared: false });
  await app.register(metaRoutes, { config, store, gatehouse, rateLimitStatus });
  await app.register(todoRoutes, {
    store,
    multiIssuer: gatehouse.status().issuers.length > 1,
    deleteRequires: [
      ...(config.stepUp ? [userStepUp(config.stepUp)] : []),
      ...(config.deleteAuthContext ? [userAuthContext(config.deleteAuthContext)] : []),
    ],
  });
  return app;
}
