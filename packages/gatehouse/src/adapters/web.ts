import type { ChallengeContext } from '../core/challenge.ts';
import { DPOP_NONCE_HEADER, dpopNonceToSend } from '../core/dpop/challenge.ts';
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
  | {
      principal: Principal | null;
      response?: undefined;
      /**
       * Headers for the handler's answer, when there are any: a fresh `DPoP-Nonce` for a DPoP
       * request whose nonce is about to expire (RFC 9449 §8.2). `protect` adds them itself.
       */
      headers?: Record<string, string>;
    }
  | { principal?: undefined; response: Response; headers?: undefined };

/** Authenticates a Web `Request`: either the principal, or the `Response` to return. */
export async function authenticate(
  gatehouse: Gatehouse,
  request: Request,
  route: RouteAuth = {},
): Promise<AuthenticateResult> {
  try {
    const principal = await guard(gatehouse, request, route);
    const nonce = dpopNonceToSend(request);
    return nonce === undefined ? { principal } : { principal, headers: { [DPOP_NONCE_HEADER]: nonce } };
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
    const response = await handler(request, result.principal, ...rest);
    return result.headers ? withHeaders(response, result.headers) : response;
  };
}

/** `response` with `headers` added; a copy when its headers are immutable (`Response.redirect`, `fetch`). */
function withHeaders(response: Response, headers: Record<string, string>): Response {
  const setOn = (target: Response): Response => {
    for (const [name, value] of Object.entries(headers)) target.headers.set(name, value);
    return target;
  };
  try {
    return setOn(response);
  } catch {
    return setOn(new Response(response.body, response));
  }
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
