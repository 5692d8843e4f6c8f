import { IncomingMessage, type ServerResponse } from 'node:http';
import type { Middleware } from 'oidc-provider';
import type { Endpoint } from './api-resource.ts';
import { isFormRequest, readBody } from './body.ts';
import { acceptAccessTokenClaims } from './client-capabilities.ts';
import { toPrefixedScope } from './entra-scopes.ts';
import type { Authority } from './profiles/types.ts';

// Same order of magnitude as oidc-provider's own limit for these bodies.
const BODY_LIMIT = 64 * 1024;

// Requests whose scopes were named with the API's prefix, so their token responses are named back that way.
const prefixedStyle = new WeakSet<IncomingMessage>();

function endpointOf(pathname: string, authority: Authority): Endpoint | undefined {
  if (pathname === authority.routes.authorization) return 'authorization';
  if (pathname === authority.routes.token) return 'token';
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
 * Translates provider-style requests (Entra's prefixed scopes, Auth0's `audience`; see each
 * profile's `translate`) before oidc-provider parses them. `req.url` is the path inside the
 * authority. Returns the request to hand on, or undefined when the response was already sent.
 */
export async function translateRequest(
  req: IncomingMessage,
  res: ServerResponse,
  authority: Authority,
): Promise<IncomingMessage | undefined> {
  const url = new URL(req.url ?? '/', 'http://dev-idp.invalid');
  const endpoint = endpointOf(url.pathname, authority);
  if (!endpoint) return req;

  if (req.method === 'GET' && endpoint === 'authorization') {
    const claims = acceptAccessTokenClaims(url.searchParams);
    const translation = authority.translate(url.searchParams, endpoint);
    if (translation !== 'unchanged' || claims) req.url = `${url.pathname}?${url.searchParams}`;
    return req;
  }

  if (req.method !== 'POST' || !isFormRequest(req)) return req;
  const body = await readBody(req, BODY_LIMIT);
  if (!body) return tooLarge(res);
  const params = new URLSearchParams(body.toString('utf8'));
  // MSAL's `claims` (client capabilities) at any profile's authorization endpoint; see the function.
  const claims = endpoint === 'authorization' && acceptAccessTokenClaims(params);
  const translation = authority.translate(params, endpoint);
  const unchanged = translation === 'unchanged' && !claims;
  const next = replay(req, unchanged ? body.toString('utf8') : params.toString());
  if (translation === 'prefixed') prefixedStyle.add(next);
  return next;
}

/** oidc-provider middleware: names API scopes in token responses with their prefix, as Entra and B2C do. */
export function prefixedTokenResponse(authority: Authority): Middleware {
  return async (ctx, next) => {
    await next();
    if (!prefixedStyle.has(ctx.req) || ctx.path !== authority.routes.token || ctx.status !== 200) return;
    const body = ctx.body;
    if (typeof body === 'object' && body !== null && 'scope' in body && typeof body.scope === 'string') {
      body.scope = toPrefixedScope(body.scope, authority.api);
    }
  };
}
