import type { ChallengeContext } from '../core/challenge.ts';
import type { Gatehouse } from '../core/gatehouse.ts';
import { guard, type RouteAuth } from '../core/guard.ts';
import type { Principal } from '../core/principal.ts';
import {
  RESOURCE_METADATA_HEADERS,
  type ResourceMetadataOptions,
  resourceMetadataBuilder,
} from '../core/resource-metadata.ts';
import { errorResponse } from '../core/response.ts';

/**
 * The core's answer as a Web `Response`, for the handler to return: in Fetch-API frameworks,
 * returning the response is how it is sent.
 */
export function sendError(error: unknown, context?: string | ChallengeContext): Response {
  const response = errorResponse(error, context);
  return new Response(JSON.stringify(response.body), { status: response.status, headers: response.headers });
}

/** @deprecated Use `sendError`, the name every adapter uses (kept so existing code runs). */
export const errorToResponse: typeof sendError = sendError;

export type AuthenticateResult =
  | { principal: Principal | null; response?: undefined }
  | { principal?: undefined; response: Response };

/** Authenticates a Web `Request`: either the principal, or the `Response` to return. */
export async function authenticate(
  gatehouse: Gatehouse,
  request: Request,
  route: RouteAuth = {},
): Promise<AuthenticateResult> {
  try {
    return { principal: await guard(gatehouse, request, route) };
  } catch (error) {
    return { response: sendError(error, gatehouse.options) };
  }
}

/** @deprecated Use `authenticate`, the name every adapter uses (kept so existing code runs). */
export const authenticateRequest: typeof authenticate = authenticate;

/** Wraps a `(request) => Response` handler (Hono, or any Fetch-API framework on Node) behind `route`. */
export function protect<Args extends unknown[]>(
  gatehouse: Gatehouse,
  route: RouteAuth,
  handler: (request: Request, principal: Principal | null, ...rest: Args) => Response | Promise<Response>,
): (request: Request, ...rest: Args) => Promise<Response> {
  return async (request, ...rest) => {
    const result = await authenticate(gatehouse, request, route);
    if (result.response) return result.response;
    return handler(request, result.principal, ...rest);
  };
}

/**
 * A handler answering the RFC 9728 protected-resource metadata document; mount it at
 * `resourceMetadataPath(resource)` and set the same URL as the gatehouse's `resourceMetadata`.
 */
export function serveResourceMetadata(
  gatehouse: Gatehouse,
  options: ResourceMetadataOptions,
): (request?: Request) => Response {
  const build = resourceMetadataBuilder(gatehouse, options);
  return () => new Response(JSON.stringify(build()), { status: 200, headers: RESOURCE_METADATA_HEADERS });
}
