import type {
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  HookHandlerDoneFunction,
  onRequestHookHandler,
  onRouteHookHandler,
  RouteOptions,
} from 'fastify';
import fp from 'fastify-plugin';
import type { ChallengeContext } from '../core/challenge.ts';
import { DPOP_NONCE_HEADER, dpopNonceToSend, tagForRequest } from '../core/dpop/challenge.ts';
import { ConfigurationError } from '../core/errors.ts';
import { createGatehouse, type Gatehouse } from '../core/gatehouse.ts';
import { guard, guardThen, type RouteAuth } from '../core/guard.ts';
import type { GatehouseOptions } from '../core/options.ts';
import { authorize as authorizePrincipal, type Requirement } from '../core/policy.ts';
import type { Principal } from '../core/principal.ts';
import {
  RESOURCE_METADATA_HEADERS,
  type ResourceMetadataOptions,
  resourceMetadataBuilder,
  resourceMetadataPath,
} from '../core/resource-metadata.ts';
import { errorResponse } from '../core/response.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified caller; `null` on public routes and for anonymous callers of optional routes. */
    principal: Principal | null;
  }
  interface FastifyInstance {
    gatehouse: Gatehouse;
  }
  interface FastifyContextConfig {
    /**
     * What the route asks of its caller: `{ require: [...], optional?, allowTokensWithoutScopes? }`,
     * or `{ public: true }` to open it to anyone. Without it the route still needs a valid token
     * that carries some scope or app permission: with the plugin registered, nothing is public
     * by omission.
     */
    gatehouse?: RouteAuth | PublicRoute;
  }
}

/** The explicit opt-out: the route is served to anyone, and listed as public at start-up. */
export interface PublicRoute {
  public: true;
  require?: never;
  optional?: never;
  allowTokensWithoutScopes?: never;
}

function isPublic(route: RouteAuth | PublicRoute | undefined): route is PublicRoute {
  return route !== undefined && (route as { public?: unknown }).public === true;
}

/** What a route without `config.gatehouse` gets: a valid token with some scope or app permission. */
const DEFAULT_ROUTE: RouteAuth = Object.freeze({});

/** Hooks made by `protect()`: their routes are checked there, not a second time by the plugin. */
const protectHooks = new WeakSet<onRequestHookHandler>();
/** `config.gatehouse` values the plugin wrote for routes that carry a `protect()` hook. */
const checkedByHook = new WeakSet<object>();

/** Either a ready `Gatehouse` (shared with `/ready` checks, say) or the options to build one. */
export type GatehousePluginOptions = ({ gatehouse: Gatehouse } | GatehouseOptions) & {
  /**
   * The RFC 9728 metadata URL for challenges, from the request: for a service that knows its
   * public URL only per request (behind proxies, several host names). Overrides the gatehouse's
   * `resourceMetadata`.
   */
  resourceMetadataFor?: (request: FastifyRequest) => string | undefined;
};

const metadataFor = new WeakMap<Gatehouse, (request: FastifyRequest) => string | undefined>();

/** The plugin's challenge context for a request: its gatehouse's, with the per-request metadata URL. */
function challengeContext(reply: FastifyReply): ChallengeContext | undefined {
  const gh = reply.server.gatehouse;
  const perRequest = gh && metadataFor.get(gh);
  return perRequest
    ? { realm: gh.options.realm, resourceMetadata: perRequest(reply.request) ?? gh.options.resourceMetadata }
    : gh?.options;
}

/**
 * Copies the core's answer onto the reply; the adapter decides nothing itself. Without `context`,
 * the realm and metadata URL are the plugin's.
 */
export function sendError(
  reply: FastifyReply,
  error: unknown,
  context: string | ChallengeContext | undefined = challengeContext(reply),
): FastifyReply {
  const response = errorResponse(error, context);
  return reply.code(response.status).headers(response.headers).send(response.body);
}

/** RFC 9449 §8.2: an accepted DPoP request whose nonce is about to expire learns the next one. */
function accept(request: FastifyRequest, reply: FastifyReply, principal: Principal | null): void {
  request.principal = principal;
  const nonce = dpopNonceToSend(request.raw);
  if (nonce !== undefined) reply.header(DPOP_NONCE_HEADER, nonce);
}

/**
 * Callback style, not async: a token the verified-token cache holds is answered in the same tick,
 * without promise hops. A refused request gets its reply and no `done()`.
 */
function check(
  request: FastifyRequest,
  reply: FastifyReply,
  route: RouteAuth,
  done: HookHandlerDoneFunction,
): void {
  guardThen(
    request.server.gatehouse,
    request.raw,
    route,
    (principal) => {
      accept(request, reply, principal);
      done();
    },
    (error) => {
      sendError(reply, error);
    },
  );
}

/**
 * Authenticates a request from a handler, with the plugin's gatehouse: for a route the plugin leaves
 * public that decides on its own when to ask for a token. On failure answers the request and
 * resolves `undefined`, so a handler writes
 * `const principal = await authenticate(request, reply, route); if (principal === undefined) return reply;`.
 */
export function authenticate(
  request: FastifyRequest,
  reply: FastifyReply,
  route: RouteAuth = {},
): Promise<Principal | null | undefined> {
  return guard(request.server.gatehouse, request.raw, route).then(
    (principal) => {
      accept(request, reply, principal);
      return principal;
    },
    (error: unknown) => {
      sendError(reply, error);
      return undefined;
    },
  );
}

/**
 * A route-level hook checking requirements against `request.principal`, which the plugin (or
 * `protect()`) set before: `onRequest: authorize(requireScopes(['write']))`, or as a `preHandler`.
 */
export function authorize(...requirements: Requirement[]): onRequestHookHandler {
  return function gatehouseAuthorize(request, reply, done) {
    try {
      authorizePrincipal(request.principal, requirements);
    } catch (error) {
      // DPoP (RFC 9449 §7.1): a 403 to a DPoP request challenges with the DPoP scheme.
      sendError(reply, tagForRequest(error, request.raw));
      return;
    }
    done();
  };
}

/** A route-level hook, for routes that prefer `onRequest: protect({...})` to `config.gatehouse`. */
export function protect(route: RouteAuth = {}): onRequestHookHandler {
  const hook: onRequestHookHandler = function gatehouseProtect(request, reply, done) {
    check(request, reply, route, done);
  };
  protectHooks.add(hook);
  return hook;
}

/**
 * An `onRoute` hook that opens every route registered in its context to anyone, for plugins that
 * add routes the application cannot configure (documentation pages, say):
 * `app.register(async (docs) => { docs.addHook('onRoute', publicRoutes); await docs.register(swaggerUi) })`.
 */
export const publicRoutes: onRouteHookHandler = (routeOptions) => {
  const current = routeOptions.config?.gatehouse;
  if (current !== undefined && !isPublic(current)) {
    throw new ConfigurationError(
      `route ${String(routeOptions.method)} ${routeOptions.url}`,
      'has config.gatehouse and was registered where publicRoutes opens every route',
    );
  }
  routeOptions.config = { ...routeOptions.config, gatehouse: { public: true } };
};

function hasProtectHook(routeOptions: RouteOptions): boolean {
  const hooks = routeOptions.onRequest;
  if (hooks === undefined) return false;
  const list = Array.isArray(hooks) ? hooks : [hooks];
  return list.some((hook) => protectHooks.has(hook as onRequestHookHandler));
}

function describeRoute(routeOptions: RouteOptions): string {
  const methods = Array.isArray(routeOptions.method) ? routeOptions.method.join(',') : routeOptions.method;
  return `${methods} ${routeOptions.url}`;
}

/** A route that would be public by contradiction (`public` with requirements) stops start-up. */
function validate(routeOptions: RouteOptions): void {
  const route = routeOptions.config?.gatehouse as Record<string, unknown> | undefined;
  if (route === undefined || checkedByHook.has(route)) return;
  if (typeof route !== 'object' || route === null) {
    throw new ConfigurationError(
      `route ${describeRoute(routeOptions)}`,
      'config.gatehouse must be an object',
    );
  }
  if ('public' in route && route.public !== true) {
    throw new ConfigurationError(
      `route ${describeRoute(routeOptions)}`,
      'config.gatehouse.public must be true or absent; omit it to protect the route',
    );
  }
  if (route.public === true && Object.keys(route).some((key) => key !== 'public')) {
    throw new ConfigurationError(
      `route ${describeRoute(routeOptions)}`,
      'config.gatehouse.public cannot be combined with require, optional or allowTokensWithoutScopes',
    );
  }
}

/**
 * Routes already in the router when the plugin registers. Fastify has no route listing, so this
 * reads its printed tree (children indented four columns, their text appended to the parent's).
 * Only for the start-up line: those routes are protected all the same.
 */
function routesSoFar(fastify: FastifyInstance): string[] {
  const found: string[] = [];
  const stack: string[] = [];
  for (const line of fastify.printRoutes({ commonPrefix: false }).split('\n')) {
    const connector = /(?:├── |└── )/.exec(line);
    if (!connector) continue;
    const depth = Math.floor(connector.index / 4);
    const node = /^(.*?)(?: \(([^)]*)\))?$/.exec(line.slice(connector.index + 4));
    if (!node) continue;
    const path = (depth > 0 ? (stack[depth - 1] ?? '') : '') + node[1];
    stack[depth] = path;
    stack.length = depth + 1;
    if (node[2] !== undefined) found.push(`${node[2]} ${path}`);
  }
  return found;
}

async function gatehousePlugin(fastify: FastifyInstance, options: GatehousePluginOptions): Promise<void> {
  const owned = !('gatehouse' in options);
  const { resourceMetadataFor, ...rest } = options;
  const gatehouse = 'gatehouse' in rest ? rest.gatehouse : createGatehouse({ logger: fastify.log, ...rest });
  if (resourceMetadataFor) metadataFor.set(gatehouse, resourceMetadataFor);
  fastify.decorate('gatehouse', gatehouse);
  fastify.decorateRequest('principal', null);

  // Still protected (the onRequest hook below runs for them too), but onRoute never saw them:
  // named in the start-up line so they can be moved after the plugin.
  const earlier = routesSoFar(fastify);

  const seen: RouteOptions[] = [];
  fastify.addHook('onRoute', (routeOptions) => {
    if (routeOptions.config?.gatehouse === undefined && hasProtectHook(routeOptions)) {
      const marker = {};
      checkedByHook.add(marker);
      routeOptions.config = { ...routeOptions.config, gatehouse: marker };
    }
    seen.push(routeOptions);
  });

  fastify.addHook('onReady', async () => {
    // Read now, not in onRoute: hooks added after this one (publicRoutes) may still change config.
    const open = new Set<string>();
    for (const routeOptions of seen) {
      validate(routeOptions);
      if (isPublic(routeOptions.config?.gatehouse)) open.add(describeRoute(routeOptions));
    }
    seen.length = 0;
    fastify.log.info(
      { publicRoutes: [...open], ...(earlier.length > 0 ? { registeredBeforeGatehouse: earlier } : {}) },
      open.size === 0
        ? 'gatehouse: every route needs a token'
        : `gatehouse: ${open.size} route(s) are public (no token needed)`,
    );
  });

  // Every route Fastify serves passes here, whenever and wherever it was registered.
  fastify.addHook('onRequest', (request, reply, done) => {
    // Unmatched requests belong to the not-found handler: there is nothing to protect, and a 401
    // there would only hide the 404.
    if (request.is404) {
      done();
      return;
    }
    const route = request.routeOptions.config.gatehouse;
    if (isPublic(route) || (route !== undefined && checkedByHook.has(route))) done();
    else check(request, reply, route ?? DEFAULT_ROUTE, done);
  });
  if (owned) {
    fastify.addHook('onReady', async () => gatehouse.start());
    fastify.addHook('onClose', async () => gatehouse.close());
  }
}

export const gatehouse = fp(gatehousePlugin, { fastify: '5.x', name: 'gatehouse' });
export default gatehouse;

/**
 * A route handler answering the RFC 9728 protected-resource metadata document. Mount it at
 * `resourceMetadataPath(resource)` with `config: { gatehouse: { public: true } }` (a client reads
 * it because it has no usable token), or register the `resourceMetadata` plugin, which does both.
 */
export function serveResourceMetadata(
  gatehouse: Gatehouse,
  options: ResourceMetadataOptions,
): (request: FastifyRequest, reply: FastifyReply) => void {
  const build = resourceMetadataBuilder(gatehouse, options);
  return (_request, reply) => {
    reply.headers(RESOURCE_METADATA_HEADERS).send(JSON.stringify(build()));
  };
}

async function resourceMetadataPlugin(
  fastify: FastifyInstance,
  options: ResourceMetadataOptions,
): Promise<void> {
  // Public by design: a client reads it precisely because it has no usable token (RFC 9728 §5).
  const open: PublicRoute = { public: true };
  fastify.get(
    resourceMetadataPath(options.resource),
    { config: { gatehouse: open } },
    serveResourceMetadata(fastify.gatehouse, options),
  );
}

/**
 * Serves the RFC 9728 protected-resource metadata document at the path RFC 9728 §3.1 derives from
 * `resource`; register it after the `gatehouse` plugin, whose trusted issuers it names.
 */
export const resourceMetadata = fp(resourceMetadataPlugin, {
  fastify: '5.x',
  name: 'gatehouse-resource-metadata',
  dependencies: ['gatehouse'],
});
