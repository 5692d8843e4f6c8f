/**
 * Signing in (authorization code + PKCE; state, nonce and verifier kept in a short-lived encrypted
 * cookie) and out (session ended on the server and its cookie cleared, refresh token revoked, then
 * the provider's end-session endpoint, which sends the browser back to the landing page).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { SESSION_MAX_AGE_SECONDS, SIGN_IN_MAX_AGE_SECONDS } from '../config.ts';
import type { AppContext } from '../context.ts';
import { clearCookie, readCookie, writeCookie } from '../cookies.ts';
import { newCsrfToken } from '../csrf.ts';
import { TodoWebError } from '../errors.ts';
import { seeOther } from '../render.ts';
import { endSession, saveSession } from '../request-session.ts';
import { newSessionId } from '../revoked-sessions.ts';
import { checkCsrf } from '../security.ts';
import { openSignIn, sealSignIn } from '../session.ts';
import type { StepUp } from '../www-authenticate.ts';

/** Shown on the list after a step-up sign-in: the refused action is not replayed by itself. */
export const STEPPED_UP_PATH = '/todos?notice=stepped-up';

/**
 * Sends the browser to the provider, the sign-in's checks sealed in a short-lived cookie. With
 * `stepUp` (the API answered RFC 9470 `insufficient_user_authentication`) the provider is asked
 * for the sign-in the API named, and the callback returns to a fixed page: nothing from the
 * request chooses where the browser lands afterwards, so there is no redirect to steer.
 */
export async function beginSignIn(
  ctx: AppContext,
  request: FastifyRequest,
  reply: FastifyReply,
  stepUp?: StepUp,
) {
  const { url, signIn } = await ctx.oidc.startSignIn(stepUp);
  const sealed = await sealSignIn(ctx.codec, signIn, SIGN_IN_MAX_AGE_SECONDS);
  writeCookie(request, reply, ctx.cookies, ctx.cookies.signIn, sealed, SIGN_IN_MAX_AGE_SECONDS);
  return seeOther(reply, url.href);
}

export async function authRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const { cookies } = ctx;

  app.get('/auth/login', async (request, reply) => {
    if (request.session) return seeOther(reply, '/todos');
    return beginSignIn(ctx, request, reply);
  });

  app.get('/auth/callback', async (request, reply) => {
    const sealed = readCookie(request, cookies.signIn);
    // One use only: whatever happens next, this sign-in is over.
    clearCookie(request, reply, cookies, cookies.signIn);
    const signIn = sealed === undefined ? undefined : await openSignIn(ctx.codec, sealed);
    if (!signIn) throw new TodoWebError('ERR_SIGN_IN_EXPIRED', 'callback without a valid sign-in cookie');

    const callbackUrl = new URL(request.url, ctx.config.baseUrl);
    const signedIn = await ctx.oidc.finishSignIn(callbackUrl, signIn);
    // A step-up replaces a session: the old one (and any copy of its cookie) holds the weaker
    // token, so it ends on the server rather than living on until it expires.
    const previous = request.session;
    if (previous) ctx.revoked.revoke(previous.id, previous.signedInAt + SESSION_MAX_AGE_SECONDS);
    await saveSession(ctx, request, reply, {
      id: newSessionId(),
      ...signedIn,
      csrf: newCsrfToken(),
      signedInAt: Math.floor(ctx.now() / 1000),
    });
    return seeOther(reply, signIn.stepUp ? STEPPED_UP_PATH : '/todos');
  });

  app.post('/auth/logout', async (request, reply) => {
    const session = request.session;
    if (session) checkCsrf(ctx, request);
    endSession(ctx, request, reply);
    if (!session) return seeOther(reply, '/?notice=signed-out');
    if (session.refreshToken) await ctx.oidc.revoke(session.refreshToken);
    const endSessionUrl = await ctx.oidc.endSessionUrl();
    if (!endSessionUrl) return seeOther(reply, '/?notice=signed-out');
    // The provider hands `state` back on its redirect to the landing page, which then says so.
    endSessionUrl.searchParams.set('state', 'signed-out');
    return seeOther(reply, endSessionUrl.href);
  });
}
