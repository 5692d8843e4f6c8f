/**
 * Builds the Fastify application from its parts; listens nowhere, so tests use `inject()`.
 * Per request: canonical host -> cookies -> session -> (form body) -> CSRF guard -> route;
 * every answer gets the security headers; every failure becomes a page chosen by its code.
 */
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import Fastify, {
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  LogController,
} from 'fastify';
import { createApiClient, type TodoApi } from './api-client.ts';
import { type Config, isLoopbackHost } from './config.ts';
import type { AppContext } from './context.ts';
import { cookieJar } from './cookies.ts';
import { isTodoWebError, type TodoWebError } from './errors.ts';
import { createOidc, type Oidc } from './oidc.ts';
import { seeOther, sendMessage } from './render.ts';
import { endSession, registerSession, viewerOf } from './request-session.ts';
import { createRevokedSessions, type RevokedSessions } from './revoked-sessions.ts';
import { authRoutes, beginSignIn } from './routes/auth.ts';
import { pageRoutes } from './routes/pages.ts';
import { todoRoutes } from './routes/todos.ts';
import { registerSecurityHeaders } from './security.ts';
import { createSessionCodec } from './session.ts';
import { messages } from './views/pages.ts';

export interface BuildAppOptions {
  config: Config;
  /** Session secrets (see session-key.ts); the first seals, all open. */
  secrets: readonly string[];
  /** Replaces the openid-client calls (tests of failure paths). */
  oidc?: Oidc;
  /** Replaces the HTTP client of the to-do API. */
  api?: TodoApi;
  /** Milliseconds since the epoch. @default Date.now */
  now?: () => number;
  /** Where signed-out sessions are recorded. @default this process's memory */
  revoked?: RevokedSessions;
  /** Log through Fastify's pino at this level. @default no logging */
  logLevel?: string;
}

/** Forms are small: text up to 1000 characters, a date and a token. */
const BODY_LIMIT = 16 * 1024;

/**
 * `npm start` prints http://127.0.0.1:PORT while the redirect URI names localhost (or the other
 * way round): cookies set on one host are invisible on the other, so GETs move to the base URL.
 */
function canonicalHost(app: FastifyInstance, baseUrl: string): void {
  const base = new URL(baseUrl);
  app.addHook('onRequest', async (request, reply) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return;
    const host = URL.parse(`${base.protocol}//${request.host}`);
    if (!host || host.host === base.host || host.port !== base.port || !isLoopbackHost(host.hostname)) return;
    if (!isLoopbackHost(base.hostname)) return;
    return reply.redirect(`${base.origin}${request.url}`, 308);
  });
}

function handleAppError(ctx: AppContext, error: TodoWebError, request: FastifyRequest, reply: FastifyReply) {
  const viewer = viewerOf(request);
  switch (error.code) {
    case 'ERR_API_FORBIDDEN':
      return sendMessage(reply, messages.forbidden(viewer));
    case 'ERR_API_UNAVAILABLE':
      reply.header('retry-after', '5');
      return sendMessage(reply, messages.apiUnavailable(viewer));
    case 'ERR_API_NOT_FOUND':
      return sendMessage(reply, messages.todoNotFound(viewer));
    case 'ERR_STEP_UP':
      // Only signed-in requests reach the API, and every form among them passed the CSRF check.
      return beginSignIn(ctx, request, reply, error.stepUp);
    case 'ERR_API_UNAUTHORIZED':
    case 'ERR_SESSION_ENDED':
      endSession(ctx, request, reply);
      return seeOther(reply, '/?notice=session-ended');
    case 'ERR_IDP_UNAVAILABLE':
      reply.header('retry-after', '5');
      return sendMessage(reply, messages.idpUnavailable());
    case 'ERR_SIGN_IN':
      return sendMessage(reply, messages.signInFailed(error.detail));
    case 'ERR_SIGN_IN_EXPIRED':
      return sendMessage(reply, messages.signInExpired());
    case 'ERR_CSRF':
      return sendMessage(reply, messages.csrf(viewer));
    case 'ERR_SESSION_TOO_LARGE':
      return sendMessage(reply, messages.sessionTooLarge());
    case 'ERR_API_INVALID':
      return sendMessage(reply, { ...messages.unexpected(viewer), status: 400 });
  }
}

export async function buildApp(options: BuildAppOptions): Promise<FastifyInstance> {
  const { config } = options;
  const now = options.now ?? Date.now;
  const ctx: AppContext = {
    config,
    codec: createSessionCodec(options.secrets, now),
    oidc: options.oidc ?? createOidc(config, { now }),
    api: options.api ?? createApiClient(config.apiUrl),
    cookies: cookieJar(config.secure),
    revoked: options.revoked ?? createRevokedSessions({ now }),
    now,
  };

  const app = Fastify({
    logger: options.logLevel ? { level: options.logLevel } : false,
    // Request logs would carry the callback's `code` and `state`; failures are logged below.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: BODY_LIMIT,
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
  });

  // Only HTML forms come in: no JSON, no text/plain (a classic cross-site form encoding).
  app.removeAllContentTypeParsers();
  await app.register(formbody, { bodyLimit: BODY_LIMIT });
  await app.register(cookie);
  // First, so that every answer carries the headers, redirects from the hooks below included.
  await registerSecurityHeaders(app, ctx);
  canonicalHost(app, config.baseUrl);
  registerSession(app, ctx);

  app.setErrorHandler(async (error: Error, request, reply) => {
    if (isTodoWebError(error)) {
      const log = error.status >= 500 ? request.log.error : request.log.warn;
      log.call(request.log, { code: error.code, route: request.routeOptions.url }, error.message);
      return handleAppError(ctx, error, request, reply);
    }
    const status = (error as { statusCode?: unknown }).statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      // Fastify's own refusals: wrong content type, body too large, malformed form.
      return sendMessage(reply, {
        ...messages.unexpected(viewerOf(request)),
        status,
        title: 'Not accepted',
        heading: 'That request could not be accepted',
        paragraphs: ['Go back and try again.'],
      });
    }
    request.log.error({ err: error, route: request.routeOptions.url }, 'unexpected failure');
    return sendMessage(reply, messages.unexpected(viewerOf(request)));
  });
  app.setNotFoundHandler(async (request, reply) => sendMessage(reply, messages.notFound(viewerOf(request))));

  // After the handlers above: plugins take the error handler in force when they are registered.
  await app.register(pageRoutes);
  await app.register(authRoutes, ctx);
  await app.register(todoRoutes, ctx);
  return app;
}
