import { IncomingMessage, type ServerResponse } from 'node:http';
import type { Middleware } from 'oidc-provider';
import { isFormRequest, readBody } from './body.ts';
import { type Endpoint, toEntraScope, translateEntraScopes } from './entra-scopes.ts';
import { routes } from './routes.ts';

// Same order of magnitude as oidc-provider's own limit for these bodies.
const BODY_LIMIT = 64 * 1024;

// Requests whose scopes were named Entra-style, so their token responses are named back that way.
const entraStyle = new WeakSet<IncomingMessage>();

function endpointOf(pathname: string): Endpoint | undefined {
  if (pathname === routes.authorization) return 'authorization';
  if (pathname === routes.token) return 'token';
  return undefined;
}

/**
 * The body of a request can be read once, and oidc-provider reads it itself; so after rewriting it,
 * hand oidc-provider an equivalent request that carries the new body.
 */
function replay(req: IncomingMessage, body: string): IncomingMessage {
  const copy = new IncomingMessage(req.socket);
  copy.method = req.method;
  copy.url = req.url;
  copy.httpVersion = req.httpVersion;
  copy.httpVersionMajor = req.httpVersionMajor;
  copy.httpVersionMinor = req.httpVersionMinor;
  copy.headers = { ...req.headers, 'content-length': String(Buffer.byteLength(body)) };
  copy.push(body);
  copy.push(null);
  // Without this, the copy counts as aborted once read, and destroying it would close the socket.
  copy.complete = true;
  return copy;
}

function tooLarge(res: ServerResponse): undefined {
  res.writeHead(413, { 'content-type': 'application/json', connection: 'close' });
  res.end(JSON.stringify({ error: 'invalid_request', error_description: 'request body too large' }));
  return undefined;
}

/**
 * Translates Entra-style scope requests (see translateEntraScopes) before oidc-provider parses them.
 * Returns the request to hand on, or undefined when the response was already sent.
 */
export async function translateEntraRequest(
  req: IncomingMessage,
  res: ServerResponse,
): Promise<IncomingMessage | undefined> {
  const url = new URL(req.url ?? '/', 'http://dev-idp.invalid');
  const endpoint = endpointOf(url.pathname);
  if (!endpoint) return req;

  if (req.method === 'GET' && endpoint === 'authorization') {
    const translation = translateEntraScopes(url.searchParams, endpoint);
    if (translation !== 'unchanged') req.url = `${url.pathname}?${url.searchParams}`;
    return req;
  }

  if (req.method !== 'POST' || !isFormRequest(req)) return req;
  const body = await readBody(req, BODY_LIMIT);
  if (!body) return tooLarge(res);
  const params = new URLSearchParams(body.toString('utf8'));
  const translation = translateEntraScopes(params, endpoint);
  const next = replay(req, translation === 'unchanged' ? body.toString('utf8') : params.toString());
  if (translation === 'entra') entraStyle.add(next);
  return next;
}

/** oidc-provider middleware: names API scopes in token responses as Entra would. */
export const entraTokenResponse: Middleware = async (ctx, next) => {
  await next();
  if (!entraStyle.has(ctx.req) || ctx.path !== routes.token || ctx.status !== 200) return;
  const body = ctx.body;
  if (typeof body === 'object' && body !== null && 'scope' in body && typeof body.scope === 'string') {
    body.scope = toEntraScope(body.scope);
  }
};
