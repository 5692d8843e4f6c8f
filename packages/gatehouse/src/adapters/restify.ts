import type { ServerResponse } from 'node:http';
import type { Request as RestifyRequest, Response as RestifyResponse } from 'restify';
import type { ChallengeContext } from '../core/challenge.ts';
import { DPOP_NONCE_HEADER, dpopNonceToSend, tagForRequest } from '../core/dpop/challenge.ts';
import type { Gatehouse } from '../core/gatehouse.ts';
import { guard, type RouteAuth } from '../core/guard.ts';
import { authorize as authorizePrincipal, type Requirement } from '../core/policy.ts';
import type { Principal } from '../core/principal.ts';
import {
  RESOURCE_METADATA_HEADERS,
  type ResourceMetadataOptions,
  resourceMetadataBuilder,
} from '../core/resource-metadata.ts';
import { errorResponse } from '../core/response.ts';
import { challengeContextOf, rememberChallengeContext } from './challenge-contexts.ts';

declare module 'restify' {
  interface Request {
    /** The verified caller, set by `authenticate()`; `null` for anonymous callers of optional routes. */
    principal?: Principal | null;
  }
}

/** restify's `next`: `next(false)` stops the chain after a response was sent. */
export type RestifyNext = (stop?: false | Error) => unknown;

/** A restify handler, as `authenticate`, `authorize` and `serveResourceMetadata` return them. */
export type RestifyHandler = (req: RestifyRequest, res: RestifyResponse, next: RestifyNext) => void;

/** Writes the core's answer; the adapter decides nothing itself. */
export function sendError(res: ServerResponse, error: unknown, context?: string | ChallengeContext): void {
  const response = errorResponse(error, context);
  // restify (and others) override writeHead without returning the response: no chaining.
  res.writeHead(response.status, response.headers);
  res.end(JSON.stringify(response.body));
}

/** restify middleware: verifies the bearer token (and `route.require`) and sets `req.principal`. */
export function authenticate(gatehouse: Gatehouse, route: RouteAuth = {}): RestifyHandler {
  return (req, res, next) => {
    rememberChallengeContext(req, gatehouse.options);
    guard(gatehouse, req, route).then(
      (principal) => {
        req.principal = principal;
        // RFC 9449 §8.2: a DPoP request whose nonce is about to expire learns the next one.
        const nonce = dpopNonceToSend(req);
        if (nonce !== undefined) res.setHeader(DPOP_NONCE_HEADER, nonce);
        next();
      },
      (error: unknown) => {
        sendError(res, error, gatehouse.options);
        next(false);
      },
    );
  };
}

/** restify middleware: checks requirements against `req.principal` set earlier by `authenticate()`. */
export function authorize(...requirements: Requirement[]): RestifyHandler {
  return (req, res, next) => {
    try {
      authorizePrincipal(req.principal, requirements);
    } catch (error) {
      // DPoP (RFC 9449 §7.1): a 403 to a DPoP request challenges with the DPoP scheme.
      sendError(res, tagForRequest(error, req), challengeContextOf(req));
      next(false);
      return;
    }
    next();
  };
}

/**
 * A restify handler answering the RFC 9728 protected-resource metadata document; mount it at
 * `resourceMetadataPath(resource)` and set the same URL as the gatehouse's `resourceMetadata`.
 */
export function serveResourceMetadata(
  gatehouse: Gatehouse,
  options: ResourceMetadataOptions,
): RestifyHandler {
  const build = resourceMetadataBuilder(gatehouse, options);
  return (_req, res, next) => {
    res.writeHead(200, RESOURCE_METADATA_HEADERS);
    res.end(JSON.stringify(build()));
    next();
  };
}
