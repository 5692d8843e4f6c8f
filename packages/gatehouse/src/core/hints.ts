import type { JWTPayload } from 'jose';

/** Microsoft Graph's application id: the audience of the token most often sent to the wrong API. */
export const MICROSOFT_GRAPH_AUDIENCES = new Set([
  '00000003-0000-0000-c000-000000000000',
  'https://graph.microsoft.com',
  'https://graph.microsoft.com/',
]);

function audiences(payload: JWTPayload): string[] {
  if (typeof payload.aud === 'string') return [payload.aud];
  return Array.isArray(payload.aud) ? payload.aud.filter((a): a is string => typeof a === 'string') : [];
}

/** Explains the classic audience confusions in words an operator recognises. */
export function audienceHint(payload: JWTPayload): string {
  if (audiences(payload).some((a) => MICROSOFT_GRAPH_AUDIENCES.has(a))) {
    return " — this is a Microsoft Graph token: the client asked for Graph scopes (e.g. User.Read) instead of this API's scope";
  }
  if (payload.aud === undefined)
    return " — the token has no audience; ID tokens and some providers' access tokens need a preset";
  return '';
}

/** Explains issuer mismatches that are version or tenant confusions rather than forgeries. */
export function issuerHint(payload: JWTPayload, expected: string): string {
  const iss = typeof payload.iss === 'string' ? payload.iss : '';
  if (iss.startsWith('https://sts.windows.net/') && expected.includes('login.microsoftonline.com')) {
    return " — this is an Entra v1.0 token; set accessTokenAcceptedVersion to 2 in the API's app manifest, or trust the v1 issuer";
  }
  if (
    iss.includes('login.microsoftonline.com') &&
    iss.endsWith('/v2.0') &&
    expected.startsWith('https://sts.windows.net/')
  ) {
    return ' — this is an Entra v2.0 token where a v1.0 issuer is configured';
  }
  if (iss.replace(/\/$/, '') === expected.replace(/\/$/, '')) {
    return ' — the two differ only by a trailing slash; configure the issuer exactly as the provider writes it';
  }
  return '';
}
