/**
 * Loads the encrypted session cookie into `request.session` on every request (null when absent,
 * tampered with, expired or sealed with an unknown key: such a cookie is also cleared), and saves
 * or ends it. The browser only ever holds ciphertext; its scripts cannot read it (HttpOnly).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { SESSION_MAX_AGE_SECONDS } from './config.ts';
import type { AppContext } from './context.ts';
import { clearCookie, readCookie, writeCookie } from './cookies.ts';
import { TodoWebError } from './errors.ts';
import { openSession, type SessionData, sealSession } from './session.ts';
import type { Viewer } from './views/layout.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The signed-in user's session, or null. */
    session: SessionData | null;
  }
}

export function registerSession(app: FastifyInstance, ctx: AppContext): void {
  app.decorateRequest('session', null);
  app.addHook('onRequest', async (request, reply) => {
    const sealed = readCookie(request, ctx.cookies.session);
    if (sealed === undefined) return;
    const session = await openSession(ctx.codec, sealed);
    if (!session) {
      clearCookie(request, reply, ctx.cookies, ctx.cookies.session);
      return;
    }
    // A copy of the cookie of a session that signed out: answered like any ended session
    // (cookie cleared, back to the landing page), whatever it asked for.
    if (ctx.revoked.isRevoked(session.id)) {
      throw new TodoWebError('ERR_SESSION_ENDED', 'cookie of a signed-out session');
    }
    request.session = session;
  });
}

/** The signed-in session, or ERR_SESSION_ENDED (the error handler sends the browser to sign in). */
export function requireSession(request: FastifyRequest): SessionData {
  if (!request.session) throw new TodoWebError('ERR_SESSION_ENDED', 'not signed in');
  return request.session;
}

/** Seals and sets the session cookie; it lasts SESSION_MAX_AGE_SECONDS from sign-in, refreshes or not. */
export async function saveSession(
  ctx: AppContext,
  request: FastifyRequest,
  reply: FastifyReply,
  session: SessionData,
): Promise<void> {
  const left = session.signedInAt + SESSION_MAX_AGE_SECONDS - Math.floor(ctx.now() / 1000);
  if (left <= 0) throw new TodoWebError('ERR_SESSION_ENDED', 'the session reached its maximum age');
  const sealed = await sealSession(ctx.codec, session, left);
  writeCookie(request, reply, ctx.cookies, ctx.cookies.session, sealed, left);
  request.session = session;
}

/** Clears the cookie and ends the session on the server, so no copy of the cookie works either. */
export function endSession(ctx: AppContext, request: FastifyRequest, reply: FastifyReply): void {
  const session = request.session;
  if (session) ctx.revoked.revoke(session.id, session.signedInAt + SESSION_MAX_AGE_SECONDS);
  clearCookie(request, reply, ctx.cookies, ctx.cookies.session);
  request.session = null;
}

export function viewerOf(request: FastifyRequest): Viewer | undefined {
  return request.session ? { userName: request.session.userName, csrf: request.session.csrf } : undefined;
}
