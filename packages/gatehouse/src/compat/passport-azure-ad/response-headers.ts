/**
 * Passport keeps the response to itself and writes `WWW-Authenticate` for a 401 only; these find
 * the response of a request so that the strategy can set the headers of other answers (a 403's
 * challenge, a 503's `Retry-After`) under any framework built on node:http.
 */
import { subscribe } from 'node:diagnostics_channel';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Principal } from '../../core/principal.ts';

export type PassportRequest = IncomingMessage & {
  /** Express's link to the response; restify and node:http have none. */
  res?: ServerResponse;
  principal?: Principal | null;
};

/** Each request's response, for servers whose request does not link to it (restify, node:http). */
const responses = new WeakMap<IncomingMessage, ServerResponse>();
let watchingResponses = false;

/**
 * node:http publishes every request with its response on the `http.server.request.start`
 * diagnostics channel (public API), which gives the strategy the response wherever it runs.
 */
export function watchResponses(): void {
  if (watchingResponses) return;
  watchingResponses = true;
  subscribe('http.server.request.start', (message) => {
    const { request, response } = message as { request: IncomingMessage; response: ServerResponse };
    responses.set(request, response);
  });
}

/** Sets `headers` on the request's response, when it can be found and is still unsent. */
export function setResponseHeaders(req: PassportRequest, headers: Record<string, string>): void {
  const res = req.res ?? responses.get(req);
  if (!res || res.headersSent) return;
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
}
