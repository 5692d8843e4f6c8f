import type { Gatehouse } from '../core/gatehouse.ts';
import { guard, type RouteAuth } from '../core/guard.ts';
import type { Principal } from '../core/principal.ts';
import { errorResponse } from '../core/response.ts';

/** The core's answer as a Web `Response`. */
export function errorToResponse(error: unknown, realm?: string): Response {
  const response = errorResponse(error, realm);
  return new Response(JSON.stringify(response.body), { status: response.status, headers: response.headers });
}

export type AuthenticateResult =
  | { principal: Principal | null; response?: undefined }
  | { principal?: undefined; response: Response };

/** Authenticates a Web `Request`: either the principal, or the `Response` to return. */
export async function authenticateRequest(
  gatehouse: Gatehouse,
  request: Request,
  route: RouteAuth = {},
): Promise<AuthenticateResult> {
  try {
    return { principal: await guard(gatehouse, request, route) };
  } catch (error) {
    return { response: errorToResponse(error, gatehouse.options.realm) };
  }
}

/** Wraps a `(request) => Response` handler (Hono, or any Fetch-API framework on Node) behind `route`. */
export function protect<Args extends unknown[]>(
  gatehouse: Gatehouse,
  route: RouteAuth,
  handler: (request: Request, principal: Principal | null, ...rest: Args) => Response | Promise<Response>,
): (request: Request, ...rest: Args) => Promise<Response> {
  return async (request, ...rest) => {
    const result = await authenticateRequest(gatehouse, request, route);
    if (result.response) return result.response;
    return handler(request, result.principal, ...rest);
  };
}
