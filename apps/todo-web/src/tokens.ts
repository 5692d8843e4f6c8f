/**
 * Calls the API with a fresh access token: refreshes it first when it expires within
 * REFRESH_BEFORE_EXPIRY_SECONDS, and once more if the API still answers 401. The refreshed tokens
 * go back into the session cookie. A session that cannot be refreshed ends (ERR_SESSION_ENDED).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { REFRESH_BEFORE_EXPIRY_SECONDS } from './config.ts';
import type { AppContext } from './context.ts';
import { isTodoWebError, TodoWebError } from './errors.ts';
import { requireSession, saveSession } from './request-session.ts';
import type { SessionData } from './session.ts';

async function refreshed(
  ctx: AppContext,
  request: FastifyRequest,
  reply: FastifyReply,
  session: SessionData,
): Promise<SessionData> {
  if (!session.refreshToken) {
    throw new TodoWebError('ERR_SESSION_ENDED', 'the access token expired and there is no refresh token');
  }
  let tokens: Awaited<ReturnType<AppContext['oidc']['refresh']>>;
  try {
    tokens = await ctx.oidc.refresh(session.refreshToken);
  } catch (error) {
    // Refused (invalid_grant: revoked, expired, reused): only signing in again helps.
    if (isTodoWebError(error, 'ERR_SIGN_IN')) {
      throw new TodoWebError('ERR_SESSION_ENDED', 'the provider refused to refresh', { cause: error });
    }
    throw error;
  }
  const next = { ...session, ...tokens };
  await saveSession(ctx, request, reply, next);
  return next;
}

export async function withAccessToken<T>(
  ctx: AppContext,
  request: FastifyRequest,
  reply: FastifyReply,
  call: (accessToken: string) => Promise<T>,
): Promise<T> {
  let session = requireSession(request);
  const now = Math.floor(ctx.now() / 1000);
  let fresh = false;
  if (session.expiresAt - now <= REFRESH_BEFORE_EXPIRY_SECONDS) {
    try {
      session = await refreshed(ctx, request, reply, session);
      fresh = true;
    } catch (error) {
      // The provider is down but the token still works for a few seconds: use it.
      if (!(isTodoWebError(error, 'ERR_IDP_UNAVAILABLE') && session.expiresAt > now)) throw error;
    }
  }
  try {
    return await call(session.accessToken);
  } catch (error) {
    if (fresh || !isTodoWebError(error, 'ERR_API_UNAUTHORIZED') || !session.refreshToken) throw error;
    // Revoked or rotated keys on the API side: one refresh, one retry.
    session = await refreshed(ctx, request, reply, session);
    return call(session.accessToken);
  }
}
