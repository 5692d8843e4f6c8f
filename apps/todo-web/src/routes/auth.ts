/**
 * Signing in (authorization code + PKCE; state, nonce and verifier kept in a short-lived encrypted
 * cookie) and out (session ended on the server and its cookie cleared, refresh token revoked, then
 * the provider's end-session endpoint, which sends the browser back to the landing page).
 */
import type { FastifyInstance } from 'fastify';
import { SIGN_IN_MAX_AGE_SECONDS } from '../config.ts';
import type { AppContext } from '../context.ts';
import { clearCookie, readCookie, writeCookie } from '../cookies.ts';
import { newCsrfToken } from '../csrf.ts';
import { TodoWebError } from '../errors.ts';
import { seeOther } from '../render.ts';
import { endSession, saveSession } from '../request-session.ts';
import { newSessionId } from '../revoked-sessions.ts';
import { checkCsrf } from '../security.ts';
import { openSignIn, sealSignIn } from '../session.ts';

export async function authRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const { cookies } = ctx;

  app.get('/auth/login', async (request, reply) => {
    if (request.session) return seeOther(reply, '/todos');
    const { url, signIn } = await ctx.oidc.startSignIn();
    const sealed = await sealSignIn(ctx.codec, signIn, SIGN_IN_MAX_AGE_SECONDS);
    writeCookie(request, reply, cookies, cookies.signIn, sealed, SIGN_IN_MAX_AGE_SECONDS);
    return seeOther(reply, url.href);
  });

  app.get('/auth/callback', async (request, reply) => {
    const sealed = readCookie(request, cookies.signIn);
    // One use only: whatever happens next, this sign-in is over.
    clearCookie(request, reply, cookies, cookies.signIn);
    const signIn = sealed === undefined ? undefined : await openSignIn(ctx.codec, sealed);
    if (!signIn) throw new TodoWebError('ERR_SIGN_IN_EXPIRED', 'callback without a valid sign-in cookie');

    const callbackUrl = new URL(request.url, ctx.config.baseUrl);
    const signedIn = await ctx.oidc.finishSignIn(callbackUrl, signIn);
    await saveSession(ctx, request, reply, {
      id: newSessionId(),
      ...signedIn,
      csrf: newCsrfToken(),
      signedInAt: Math.floor(ctx.now() / 1000),
    });
    return seeOther(reply, '/todos');
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
