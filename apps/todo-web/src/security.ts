/**
 * Response headers for every page (CSP without inline script or style, no framing, no sniffing,
 * same-origin referrers, no caching of pages that show a user's data), and the CSRF guard for
 * every form post: the session's synchronizer token in `_csrf`, and no foreign `Origin`.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from './context.ts';
import { CSRF_FIELD, csrfTokenMatches, fromOwnOrigin } from './csrf.ts';
import { TodoWebError } from './errors.ts';

export function contentSecurityPolicy(formTargets: readonly string[]): string {
  return [
    "default-src 'self'",
    "base-uri 'none'",
    "object-src 'none'",
    "frame-ancestors 'none'",
    // Forms post here, and the sign-in and sign-out ones end at the identity provider.
    `form-action 'self' ${formTargets.join(' ')}`,
  ].join('; ');
}

export function registerSecurityHeaders(app: FastifyInstance, ctx: AppContext): void {
  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('content-security-policy', contentSecurityPolicy(ctx.oidc.formTargets()));
    reply.header('x-frame-options', 'DENY');
    reply.header('x-content-type-options', 'nosniff');
    // `same-origin`, not `no-referrer`: the latter makes browsers send `Origin: null` on form posts.
    reply.header('referrer-policy', 'same-origin');
    reply.header('cross-origin-opener-policy', 'same-origin');
    reply.header('cross-origin-resource-policy', 'same-origin');
    reply.header('permissions-policy', 'camera=(), microphone=(), geolocation=(), payment=()');
    if (ctx.config.secure) reply.header('strict-transport-security', 'max-age=31536000');
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    return payload;
  });
}

/** The string value of a form field; undefined when absent or repeated. */
export function formField(body: unknown, name: string): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const value: unknown = Reflect.get(body, name);
  return typeof value === 'string' ? value : undefined;
}

/** preHandler of every state-changing route: throws ERR_CSRF unless the form is ours. */
export function checkCsrf(ctx: AppContext, request: FastifyRequest): void {
  if (!fromOwnOrigin(request.headers, new URL(ctx.config.baseUrl).origin)) {
    throw new TodoWebError('ERR_CSRF', `form from another origin (${request.headers.origin ?? 'no Origin'})`);
  }
  const session = request.session;
  if (!session || !csrfTokenMatches(session.csrf, formField(request.body, CSRF_FIELD))) {
    throw new TodoWebError(
      'ERR_CSRF',
      session ? 'missing or wrong CSRF token' : 'form posted without a session',
    );
  }
}
