import type { IssuedToken, KoaContextWithOIDC } from 'oidc-provider';
import { type DevUser, findUserBySub } from '../accounts.ts';

/** The seeded user a token is for; the customizer is only called for known accounts. */
export function tokenUser(accountId: string): DevUser {
  const user = findUserBySub(accountId);
  if (!user) throw new Error(`dev-idp: no seeded user has sub ${accountId}`);
  return user;
}

export function tokenClientId(token: IssuedToken): string {
  const clientId = token.clientId ?? token.client?.clientId;
  if (typeof clientId !== 'string') throw new Error('dev-idp: access token without a client');
  return clientId;
}

/** Granted API scopes of the token (oidc-provider keeps only the resource's own). */
export function apiScopes(token: IssuedToken, known: readonly string[]): string[] {
  return (token.scope ?? '').split(' ').filter((value) => known.includes(value));
}

/** OpenID Connect scopes of the grant the token came from (code or refresh token), in request order. */
export function oidcScopes(ctx: KoaContextWithOIDC): string[] {
  const source = ctx.oidc.entities?.AuthorizationCode ?? ctx.oidc.entities?.RefreshToken;
  const oidc = new Set(['openid', 'profile', 'email']);
  return (source?.scope ?? '').split(' ').filter((value) => oidc.has(value));
}
