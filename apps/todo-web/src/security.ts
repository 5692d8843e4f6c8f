/**
 * Response headers for every page through @fastify/helmet (CSP without inline script or style, no
 * framing, no sniffing, same-origin referrers, cross-origin isolation of the window and resources),
 * plus no caching of pages that show a user's data; and the CSRF guard for
 * every form post: the session's synchronizer token in `_csrf`, and no foreign `Origin`.
 */
import helmet from '@fastify/helmet';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from './context.ts';
import { CSRF_FIELD, csrfTokenMatches, fromOwnOrigin } from './csrf.ts';
import { TodoWebError } from './errors.ts';

/**
 * The CSP directives: nothing inline, nothing from elsewhere, no framing. `form-action` is read per
 * response because the identity provider's endpoints (where sign-in and sign-out forms end) are
 * known only once discovery has answered.
 */
export function contentSecurityPolicy(formTargets: () => readonly string[]) {
  return {
    defaultSrc: ["'self'"],
    baseUri: ["'none'"],
    objectSrc: ["'none'"],
    frameAncestors: ["'none'"],
    formAction: [() => ["'self'", ...formTargets()].join(' ')],
  };
}

export async function registerSecurityHeaders(app: FastifyInstance, ctx: AppContext): Promise<void> {
  await app.register(helmet, {
    // No helmet defaults: they would allow inline styles (`'unsafe-inline'`), which the pages never need.
    contentSecurityPolicy: {
      useDefaults: false,
      directives: contentSecurityPolicy(() => ctx.oidc.formTargets()),
    },
    xFrameOptions: { action: 'deny' },
    // `same-origin`, not `no-referrer`: the latter makes browsers send `Origin: null` on form posts.
    referrerPolicy: { policy: 'same-origin' },
    // HSTS only where the app is served over https; on http://localhost it would pin the name to https.
    strictTransportSecurity: ctx.config.secure ? { maxAge: 31536000, includeSubDomains: false } : false,
  });
  // What helmet does not cover: powerful features off, and no caching of pages showing a user's data.
  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('permissions-policy', 'camera=(), microphone=(), geolocation=(), payment=()');
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
