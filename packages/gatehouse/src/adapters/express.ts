import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { ChallengeContext } from '../core/challenge.ts';
import { DPOP_NONCE_HEADER, dpopNonceToSend, tagForRequest } from '../core/dpop/challenge.ts';
import type { Gatehouse } from '../core/gatehouse.ts';
import { guardThen, type RouteAuth } from '../core/guard.ts';
import { authorize as authorizePrincipal, type Requirement } from '../core/policy.ts';
import type { Principal } from '../core/principal.ts';
import {
  RESOURCE_METADATA_HEADERS,
  type ResourceMetadataOptions,
  resourceMetadataBuilder,
} from '../core/resource-metadata.ts';
import { errorResponse } from '../core/response.ts';
import { challengeContextOf, rememberChallengeContext } from './challenge-contexts.ts';

declare module 'express-serve-static-core' {
  interface Request {
    /** The verified caller, set by `authenticate()`; `null` for anonymous callers of optional routes. */
    principal?: Principal | null;
  }
}

/** Copies the core's answer onto the response; the adapter decides nothing itself. */
export function sendError(res: Response, error: unknown, context?: string | ChallengeContext): void {
  const response = errorResponse(error, context);
  res.status(response.status).set(response.headers).send(JSON.stringify(response.body));
}

/** Verifies the bearer token (and optional requirements) and sets `req.principal`. */
export function authenticate(gatehouse: Gatehouse, route: RouteAuth = {}): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    rememberChallengeContext(req, gatehouse.options);
    guardThen(
      gatehouse,
      req,
      route,
      (principal) => {
        req.principal = principal;
        // RFC 9449 §8.2: a DPoP request whose nonce is about to expire learns the next one.
        const nonce = dpopNonceToSend(req);
        if (nonce !== undefined) res.setHeader(DPOP_NONCE_HEADER, nonce);
        next();
      },
      (error) => sendError(res, error, gatehouse.options),
    );
  };
}

/** Checks requirements against `req.principal` set earlier by `authenticate()`. */
export function authorize(...requirements: Requirement[]): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    try {
      authorizePrincipal(req.principal, requirements);
      next();
    } catch (error) {
      // DPoP (RFC 9449 §7.1): a 403 to a DPoP request challenges with the DPoP scheme.
      sendError(res, tagForRequest(error, req), challengeContextOf(req));
    }
  };
}

/**
 * Answers the RFC 9728 protected-resource metadata document:
 * `app.get(resourceMetadataPath(resource), serveResourceMetadata(gatehouse, { resource }))`.
 */
export function serveResourceMetadata(
  gatehouse: Gatehouse,
  options: ResourceMetadataOptions,
): RequestHandler {
  const build = resourceMetadataBuilder(gatehouse, options);
  return (_req: Request, res: Response) => {
    res.status(200).set(RESOURCE_METADATA_HEADERS).send(JSON.stringify(build()));
  };
}
