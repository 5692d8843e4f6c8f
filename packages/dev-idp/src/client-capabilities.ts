/**
 * Microsoft Entra client capabilities and authentication context, as Microsoft's "Claims
 * challenges, claims requests and client capabilities" page describes them: a client able to handle
 * claims challenges (continuous access evaluation) says so with the OpenID Connect `claims`
 * parameter, `{"access_token":{"xms_cc":{"values":["cp1"]}}}` (what MSAL sends for
 * `clientCapabilities: ['cp1']`), and its access tokens then carry `xms_cc`. When a resource server
 * answers with a claims challenge, the client sends the decoded challenge back as (part of) the
 * `claims` parameter, e.g. `{"access_token":{"acrs":{"essential":true,"value":"c1"}}}`; once the
 * sign-in satisfies that authentication context, the access token carries `acrs: ["c1"]`.
 */
import type { UnknownObject } from 'oidc-provider';

/** The client capability Entra defines: "this client can handle claims challenges". */
export const CAE_CAPABILITY = 'cp1';

/** Entra's authentication context ids are c1 to c99. */
const AUTH_CONTEXT = /^c(?:[1-9]|[1-9][0-9])$/;

function isObject(value: unknown): value is UnknownObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The `claims` parameter as an object: its JSON text (a request) or already parsed (a grant). */
function parse(claims: unknown): UnknownObject | undefined {
  if (isObject(claims)) return claims;
  if (typeof claims !== 'string') return undefined;
  try {
    const parsed: unknown = JSON.parse(claims);
    return isObject(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** An individual claim request's `value` and `values` (OpenID Connect Core 5.5.1), strings only. */
function requestedValues(request: unknown): string[] {
  if (!isObject(request)) return [];
  const values = Array.isArray(request.values) ? request.values : [];
  const all = request.value === undefined ? values : [request.value, ...values];
  return all.filter((value): value is string => typeof value === 'string');
}

function accessTokenRequest(claims: unknown): UnknownObject | undefined {
  const accessToken = parse(claims)?.access_token;
  return isObject(accessToken) ? accessToken : undefined;
}

/** The capabilities the client declared (`xms_cc`): only `cp1` is one the dev IdP knows. */
export function requestedCapabilities(claims: unknown): string[] {
  const asked = requestedValues(accessTokenRequest(claims)?.xms_cc);
  return asked.includes(CAE_CAPABILITY) ? [CAE_CAPABILITY] : [];
}

/** The authentication contexts asked for (`acrs`): c1..c99, anything else ignored. */
export function requestedAuthContexts(claims: unknown): string[] {
  const asked = requestedValues(accessTokenRequest(claims)?.acrs);
  return [...new Set(asked.filter((value) => AUTH_CONTEXT.test(value)))];
}

/**
 * Before oidc-provider parses an authorization request's `claims`:
 * - it insists on an `id_token` or `userinfo` member, but OpenID Connect Core 5.5 lets other members
 *   stand alone, and MSAL sends just `access_token`; an empty `id_token` request asks for nothing;
 * - an authentication context (`acrs`) is met with the stronger sign-in, so the request also asks,
 *   as essential, for `acr` `mfa` in the ID token: oidc-provider then signs in again a session that
 *   only had a password instead of reusing it (the token would lack `acrs`, and the client would
 *   be challenged again and again).
 * Text that is not a JSON object is left for oidc-provider to refuse (invalid_request). Returns
 * whether `params` changed.
 */
export function acceptAccessTokenClaims(params: URLSearchParams): boolean {
  const text = params.get('claims');
  if (text === null) return false;
  const claims = parse(text);
  if (!claims) return false;
  const idToken =
    claims.id_token === undefined ? undefined : isObject(claims.id_token) ? claims.id_token : null;
  if (idToken === null) return false;
  const needsMember = idToken === undefined && claims.userinfo === undefined;
  const needsAcr = requestedAuthContexts(claims).length > 0 && idToken?.acr === undefined;
  if (!needsMember && !needsAcr) return false;
  const acr = needsAcr ? { acr: { essential: true, value: 'mfa' } } : {};
  params.set('claims', JSON.stringify({ ...claims, id_token: { ...idToken, ...acr } }));
  return true;
}

/**
 * The Entra access token claims a grant's `claims` request earns. `acrs` only when the sign-in was
 * the stronger one (`mfa`), which is what the dev IdP does to satisfy an authentication context: a
 * password-only session reused for such a request does not get it.
 */
export function capabilityClaims(claims: unknown, acr: string | undefined): UnknownObject {
  const xmsCc = requestedCapabilities(claims);
  const acrs = acr === 'mfa' ? requestedAuthContexts(claims) : [];
  return {
    ...(xmsCc.length > 0 ? { xms_cc: xmsCc } : {}),
    ...(acrs.length > 0 ? { acrs } : {}),
  };
}
