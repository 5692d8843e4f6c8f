import type { ServerResponse } from 'node:http';
import type { Request as RestifyRequest, Response as RestifyResponse } from 'restify';
import type { ChallengeContext } from '../core/challenge.ts';
import type { Gatehouse } from '../core/gatehouse.ts';
import { guard, type RouteAuth } from '../core/guard.ts';
import type { Principal } from '../core/principal.ts';
import { errorResponse } from '../core/response.ts';

declare module 'restify' {
  interface Request {
    /** The verified caller, set by `authenticate()`; `null` for anonymous callers of optional routes. */
    principal?: Principal | null;
  }
}

/** restify's `next`: `next(false)` stops the chain after a response was sent. */
export type RestifyNext = (stop?: false | Error) => unknown;

/** Writes the core's answer; the adapter decides nothing itself. */
export function sendError(res: ServerResponse, error: unknown, realm?: string | ChallengeContext): void {
  const response = errorResponse(error, realm);
  // restify (and others) override writeHead without returning the response: no chaining.
  res.writeHead(response.status, response.headers);
  res.end(JSON.stringify(response.body));
}

/** restify middleware: verifies the bearer token (and `route.require`) and sets `req.principal`. */
export function authenticate(gatehouse: Gatehouse, route: RouteAuth = {}) {
  return (req: RestifyRequest, res: RestifyResponse, next: RestifyNext): void => {
    guard(gatehouse, req, route).then(
      (principal) => {
        req.principal = principal;
        next();
      },
      (error: unknown) => {
        sendError(res, error, gatehouse.options);
        next(false);
      },
    );
  };
}
