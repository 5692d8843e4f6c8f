import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ChallengeContext } from '../core/challenge.ts';
import { DPOP_NONCE_HEADER, dpopNonceToSend } from '../core/dpop/challenge.ts';
import type { Gatehouse } from '../core/gatehouse.ts';
import { guard, guardThen, type RouteAuth } from '../core/guard.ts';
import type { Principal } from '../core/principal.ts';
import {
  RESOURCE_METADATA_HEADERS,
  type ResourceMetadataOptions,
  resourceMetadataBuilder,
} from '../core/resource-metadata.ts';
import { errorResponse } from '../core/response.ts';

export type ProtectedHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  principal: Principal | null,
) => unknown;

/** Writes the core's answer; the adapter decides nothing itself. */
export function sendError(res: ServerResponse, error: unknown, context?: string | ChallengeContext): void {
  const response = errorResponse(error, context);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  // restify (and others) override writeHead without returning the response: no chaining.
  res.writeHead(response.status, response.headers);
  res.end(JSON.stringify(response.body));
}

/** RFC 9449 §8.2: an accepted DPoP request whose nonce is about to expire learns the next one. */
function handOutFreshNonce(req: IncomingMessage, res: ServerResponse): void {
  const nonce = dpopNonceToSend(req);
  if (nonce !== undefined && !res.headersSent) res.setHeader(DPOP_NONCE_HEADER, nonce);
}

/**
 * Authenticates a request; on failure answers it and returns `undefined`, so a handler writes
 * `const principal = await authenticate(gh, req, res); if (principal === undefined) return;`.
 */
export async function authenticate(
  gatehouse: Gatehouse,
  req: IncomingMessage,
  res: ServerResponse,
  route: RouteAuth = {},
): Promise<Principal | null | undefined> {
  try {
    const principal = await guard(gatehouse, req, route);
    handOutFreshNonce(req, res);
    return principal;
  } catch (error) {
    sendError(res, error, gatehouse.options);
    return undefined;
  }
}

/** Wraps a `node:http` handler so it only runs for callers that pass `route`. */
export function protect(gatehouse: Gatehouse, route: RouteAuth, handler: ProtectedHandler) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const fail = (error: unknown) => sendError(res, error, gatehouse.options);
    // A token the verified-token cache holds reaches the handler in the same tick.
    guardThen(
      gatehouse,
      req,
      route,
      (principal) => {
        handOutFreshNonce(req, res);
        try {
          const result = handler(req, res, principal);
          if (result instanceof Promise) result.catch(fail);
        } catch (error) {
          fail(error);
        }
      },
      fail,
    );
  };
}

/** A `node:http` handler answering the RFC 9728 protected-resource metadata document. */
export function serveResourceMetadata(
  gatehouse: Gatehouse,
  options: ResourceMetadataOptions,
): (req: IncomingMessage, res: ServerResponse) => void {
  const build = resourceMetadataBuilder(gatehouse, options);
  return (_req, res) => {
    res.writeHead(200, RESOURCE_METADATA_HEADERS);
    res.end(JSON.stringify(build()));
  };
}
