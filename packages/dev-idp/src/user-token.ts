import { createHash, randomBytes } from 'node:crypto';
import { CLI_REDIRECT_URI, DEV_CLIENT_IDS } from './clients.ts';
import { CookieJar } from './cookie-jar.ts';
import { DevIdpError } from './errors.ts';
import { firstForm } from './html-form.ts';
import { authorizationParams } from './profiles/client-params.ts';
import { discover, type IssuerLocation, profileOf, requestToken, type TokenSet } from './token-client.ts';

export interface UserTokenOptions extends IssuerLocation {
  /** User name typed on the login form, e.g. 'alice' or 'bob'. */
  user: string;
  /**
   * API scopes, bare (`ToDoList.Read`) or in the provider's form (`api://todo/ToDoList.Read`).
   * @default every delegated scope of the profile's API (entra: 'ToDoList.Read ToDoList.ReadWrite')
   */
  scope?: string;
  /** A public client that may use the redirect URI. @default 'todo-cli' */
  clientId?: string;
  /** Registered redirect URI of that client; nothing needs to listen there. @default 'http://127.0.0.1/callback' */
  redirectUri?: string;
  /** Typed into the password field; the dev IdP accepts any. @default '' */
  password?: string;
  /** OpenID Connect `acr_values`, as an RFC 9470 challenge's `acr_values` asks (`mfa`). */
  acrValues?: string;
  /** OpenID Connect `max_age` in seconds, as an RFC 9470 challenge's `max_age` asks. */
  maxAge?: number;
  /**
   * OpenID Connect `claims` request (JSON text or an object), e.g. the decoded `claims` of an Entra
   * claims challenge: `{"access_token":{"acrs":{"essential":true,"value":"c1"}}}`.
   */
  claims?: string | Record<string, unknown>;
  /**
   * Entra client capabilities, as MSAL's `clientCapabilities` sends them: `['cp1']` (the client
   * handles claims challenges) is merged into `claims` as `access_token.xms_cc`.
   */
  clientCapabilities?: readonly string[];
}

// Authorize, login form, submit, resume, consent, resume, redirect: about seven; leave headroom.
const MAX_STEPS = 15;

const random = () => randomBytes(32).toString('base64url');

function signInError(user: string, message: string, status?: number, error?: string): DevIdpError {
  return new DevIdpError('ERR_DEV_IDP_SIGN_IN', `sign-in as ${user} failed: ${message}`, { status, error });
}

/** The `claims` parameter to send: the request, with the capabilities merged in as MSAL does. */
function claimsParam(options: UserTokenOptions): string | undefined {
  const { claims, clientCapabilities: capabilities = [] } = options;
  if (capabilities.length === 0)
    return typeof claims === 'string' ? claims : claims && JSON.stringify(claims);
  let request: Record<string, unknown> = {};
  try {
    const parsed: unknown = typeof claims === 'string' ? JSON.parse(claims) : (claims ?? {});
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) request = { ...parsed };
    else throw new TypeError('not an object');
  } catch {
    throw signInError(options.user, 'claims is not a JSON object, so capabilities cannot be merged into it');
  }
  const accessToken = request.access_token;
  const merged = typeof accessToken === 'object' && accessToken !== null ? { ...accessToken } : {};
  request.access_token = { ...merged, xms_cc: { values: [...capabilities] } };
  return JSON.stringify(request);
}

function sameEndpoint(a: URL, b: URL): boolean {
  return a.origin === b.origin && a.pathname === b.pathname;
}

/**
 * Drives the browser's part: follows redirects and submits forms until the IdP redirects back.
 * `jar` is the browser's cookies (a new, empty one unless a test keeps its session).
 */
export async function authorize(
  start: URL,
  redirectUri: URL,
  user: string,
  password: string,
  jar: CookieJar = new CookieJar(),
): Promise<URL> {
  let url = start;
  let init: RequestInit = { method: 'GET' };
  for (let step = 0; step < MAX_STEPS; step += 1) {
    const cookie = jar.header();
    const response = await fetch(url, {
      ...init,
      redirect: 'manual',
      headers: { ...(init.headers as Record<string, string>), ...(cookie ? { cookie } : {}) },
    });
    jar.store(response);

    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location) {
      await response.body?.cancel();
      const next = new URL(location, url);
      if (sameEndpoint(next, redirectUri)) return next;
      url = next;
      init = { method: 'GET' };
      continue;
    }

    const html = await response.text();
    const form = response.ok ? firstForm(html, url) : undefined;
    if (!form) {
      const refused = response.status === 401 ? ' (no such user)' : '';
      throw signInError(
        user,
        `the IdP answered HTTP ${response.status}${refused} at ${url.pathname}`,
        response.status,
      );
    }
    if (form.fields.has('login')) {
      form.fields.set('login', user);
      form.fields.set('password', password);
    }
    url = form.action;
    init =
      form.method === 'POST'
        ? {
            method: 'POST',
            body: form.fields.toString(),
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
          }
        : { method: 'GET' };
    if (form.method !== 'POST') url.search = form.fields.toString();
  }
  throw signInError(user, `no redirect back to ${redirectUri.href} after ${MAX_STEPS} steps`);
}

export interface SignInOptions {
  /** User name typed on the login form, e.g. 'alice'. */
  user: string;
  /** Where the IdP will send the browser back: the redirect URI inside `authorizationUrl`. */
  redirectUri: string;
  /** @default '' (any password is accepted) */
  password?: string;
}

/**
 * Plays the browser for an authorization URL some client library built (MSAL's
 * `getAuthCodeUrl`, openid-client's `buildAuthorizationUrl`): follows the IdP's redirects, fills
 * in its login form, and returns the URL it redirects back to, with `code` and `state` (or
 * `error`) for the library to redeem. Nothing needs to listen at the redirect URI.
 */
export async function signIn(authorizationUrl: string, options: SignInOptions): Promise<URL> {
  return authorize(
    new URL(authorizationUrl),
    new URL(options.redirectUri),
    options.user,
    options.password ?? '',
  );
}

/**
 * Gets a user's token the way a browser-based sign-in would: authorization code with PKCE, over
 * real HTTP, through the IdP's own login form. No back door.
 */
export async function getUserToken(options: UserTokenOptions): Promise<TokenSet> {
  const metadata = await discover(options.issuer, options.metadataUrl);
  const clientId = options.clientId ?? DEV_CLIENT_IDS.cli;
  const redirectUri = new URL(options.redirectUri ?? CLI_REDIRECT_URI);
  const verifier = random();
  const state = random();

  const claims = claimsParam(options);
  // Added to what the endpoint already carries (B2C's `?p=policy`).
  const start = new URL(metadata.authorization_endpoint);
  const params = {
    client_id: clientId,
    response_type: 'code',
    redirect_uri: redirectUri.href,
    ...authorizationParams(profileOf(options, metadata), options.scope),
    state,
    nonce: random(),
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
    ...(options.acrValues ? { acr_values: options.acrValues } : {}),
    ...(options.maxAge !== undefined ? { max_age: String(options.maxAge) } : {}),
    ...(claims !== undefined ? { claims } : {}),
  };
  for (const [name, value] of Object.entries(params)) start.searchParams.set(name, value);

  const callback = await authorize(start, redirectUri, options.user, options.password ?? '');
  const answer = callback.searchParams;
  const error = answer.get('error');
  if (error)
    throw signInError(options.user, `${error}: ${answer.get('error_description') ?? ''}`, undefined, error);
  if (answer.get('state') !== state) throw signInError(options.user, 'state mismatch in the redirect');
  // RFC 9207: the answer must come from the issuer we asked.
  const iss = answer.get('iss');
  if (iss !== null && iss !== metadata.issuer)
    throw signInError(options.user, `redirect from unexpected issuer ${iss}`);
  const code = answer.get('code');
  if (!code) throw signInError(options.user, 'redirect without a code');

  return requestToken(
    metadata.token_endpoint,
    new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: redirectUri.href,
      code_verifier: verifier,
      client_id: clientId,
    }),
  );
}
