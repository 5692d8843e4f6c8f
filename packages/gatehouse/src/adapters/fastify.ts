import type {
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  HookHandlerDoneFunction,
  onRequestHookHandler,
} from 'fastify';
import fp from 'fastify-plugin';
import { createGatehouse, type Gatehouse } from '../core/gatehouse.ts';
import { guardThen, type RouteAuth } from '../core/guard.ts';
import type { GatehouseOptions } from '../core/options.ts';
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
    /** Protects the route: `{ require: [...], optional?: boolean }`. Routes without it are public. */
    gatehouse?: RouteAuth;
  }
}

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

/** Copies the core's answer onto the reply; the adapter decides nothing itself. */
export function sendError(reply: FastifyReply, error: unknown): FastifyReply {
  const gh = reply.server.gatehouse;
  const perRequest = gh && metadataFor.get(gh);
  const context = perRequest
    ? { realm: gh.options.realm, resourceMetadata: perRequest(reply.request) ?? gh.options.resourceMetadata }
    : gh?.options;
  const response = errorResponse(error, context);
  return reply.code(response.status).headers(response.headers).send(response.body);
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
      request.principal = principal;
      done();
    },
    (error) => {
      sendError(reply, error);
    },
  );
}

/** A route-level hook, for routes that prefer `onRequest: protect({...})` to `config.gatehouse`. */
export function protect(route: RouteAuth = {}): onRequestHookHandler {
  return function gatehouseProtect(request, reply, done) {
    check(request, reply, route, done);
  };
}

async function gatehousePlugin(fastify: FastifyInstance, options: GatehousePluginOptions): Promise<void> {
  const owned = !('gatehouse' in options);
  const { resourceMetadataFor, ...rest } = options;
  const gatehouse = 'gatehouse' in rest ? rest.gatehouse : createGatehouse({ logger: fastify.log, ...rest });
  if (resourceMetadataFor) metadataFor.set(gatehouse, resourceMetadataFor);
  fastify.decorate('gatehouse', gatehouse);
  fastify.decorateRequest('principal', null);
  fastify.addHook('onRequest', (request, reply, done) => {
    const route = request.routeOptions.config.gatehouse;
    if (route === undefined) done();
    else check(request, reply, route, done);
  });
  if (owned) {
    fastify.addHook('onReady', async () => gatehouse.start());
    fastify.addHook('onClose', async () => gatehouse.close());
  }
}

export const gatehouse = fp(gatehousePlugin, { fastify: '5.x', name: 'gatehouse' });
export default gatehouse;

async function resourceMetadataPlugin(
  fastify: FastifyInstance,
  options: ResourceMetadataOptions,
): Promise<void> {
  const build = resourceMetadataBuilder(fastify.gatehouse, options);
  // Public by design: a client reads it precisely because it has no usable token (RFC 9728 §5).
  fastify.get(resourceMetadataPath(options.resource), (_request, reply) => {
    reply.headers(RESOURCE_METADATA_HEADERS).send(JSON.stringify(build()));
  });
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
