/**
 * Every call to the identity provider, through `openid-client`: discovery (lazy, retried after a
 * failure), authorization code + PKCE with state and nonce, refresh, revocation and the end-session
 * URL. Failures become `TodoWebError`s: ERR_IDP_UNAVAILABLE when the provider cannot be reached or
 * answers 5xx, ERR_SIGN_IN when it refuses (invalid_grant, access_denied, a failed check).
 */
import { createHash } from 'node:crypto';
import * as client from 'openid-client';
import { type Config, OUTBOUND_TIMEOUT_MS } from './config.ts';
import { TodoWebError } from './errors.ts';
import type { SignInData } from './session.ts';
import type { StepUp } from './www-authenticate.ts';

/** Tokens as the session keeps them. */
export interface Tokens {
  accessToken: string;
  refreshToken: string | undefined;
  /** Seconds since the epoch. */
  expiresAt: number;
}

export interface SignedIn extends Tokens {
  userName: string;
}

export interface Oidc {
  /**
   * Where to send the browser, and what its callback must be checked against. With `stepUp`, the
   * provider is asked for that sign-in (`acr_values`, `max_age`) and to authenticate the user anew.
   */
  startSignIn(stepUp?: StepUp): Promise<{ url: URL; signIn: SignInData }>;
  /** Checks the callback (state, issuer, nonce) and redeems the code with the PKCE verifier. */
  finishSignIn(callbackUrl: URL, signIn: SignInData): Promise<SignedIn>;
  /** New tokens; concurrent and repeated calls with one refresh token share one request. */
  refresh(refreshToken: string): Promise<Tokens>;
  /** Best effort: never throws. */
  revoke(refreshToken: string): Promise<void>;
  /** The provider's end-session URL, or undefined when it has none (or cannot be reached). */
  endSessionUrl(): Promise<URL | undefined>;
  /** Origins forms may end up at after a redirect (CSP `form-action`). */
  formTargets(): string[];
}

export type OidcConfig = Pick<
  Config,
  'issuer' | 'clientId' | 'redirectUri' | 'postLogoutRedirectUri' | 'scopes' | 'resource'
>;

export interface OidcOptions {
  now?: () => number;
  /** How long a refresh result is reused for the same refresh token (rotation-safe). @default 30 s */
  refreshReuseMs?: number;
}

/** Assumed lifetime of an access token whose response gave no `expires_in`. */
const UNKNOWN_LIFETIME_SECONDS = 3600;

const UNREACHABLE_CODES = new Set([
  'OAUTH_TIMEOUT',
  'OAUTH_RESPONSE_IS_NOT_CONFORM',
  'OAUTH_RESPONSE_IS_NOT_JSON',
]);

/** Maps openid-client's errors to ours; the message stays for the log, never for the page. */
export function classify(error: unknown, doing: string): TodoWebError {
  const message = `${doing}: ${error instanceof Error ? error.message : String(error)}`;
  if (error instanceof client.ResponseBodyError) {
    if (error.status >= 500) return new TodoWebError('ERR_IDP_UNAVAILABLE', message, { cause: error });
    return new TodoWebError('ERR_SIGN_IN', `${message} (${error.error})`, { cause: error });
  }
  if (error instanceof client.AuthorizationResponseError) {
    return new TodoWebError('ERR_SIGN_IN', `${message} (${error.error})`, {
      cause: error,
      detail: error.error === 'access_denied' ? 'Sign-in was cancelled.' : undefined,
    });
  }
  const code = error instanceof client.ClientError ? error.code : undefined;
  const networkFailure = error instanceof TypeError && error.message === 'fetch failed';
  if (networkFailure || (code !== undefined && UNREACHABLE_CODES.has(code))) {
    return new TodoWebError('ERR_IDP_UNAVAILABLE', message, { cause: error });
  }
  return new TodoWebError('ERR_SIGN_IN', message, { cause: error });
}

function userNameOf(claims: client.IDToken | undefined): string {
  for (const key of ['name', 'preferred_username', 'email', 'sub']) {
    const value = claims?.[key];
    if (typeof value === 'string' && value.trim() !== '') return value.trim();
  }
  return 'you';
}

/**
 * RFC 9470 §4: the challenge's `acr_values` and `max_age`, as OpenID Connect sends them, and
 * `prompt=login`. Without it a provider may answer from its existing session: `acr_values` is
 * only a wish, and that session is the very sign-in the API just found too weak.
 */
function stepUpParameters(stepUp: StepUp): Record<string, string> {
  return {
    prompt: 'login',
    ...(stepUp.acrValues.length > 0 ? { acr_values: stepUp.acrValues.join(' ') } : {}),
    ...(stepUp.maxAge === undefined ? {} : { max_age: String(stepUp.maxAge) }),
  };
}

export function createOidc(config: OidcConfig, options: OidcOptions = {}): Oidc {
  const now = options.now ?? Date.now;
  const reuseMs = options.refreshReuseMs ?? 30_000;
  const issuer = new URL(config.issuer);
  let discovered: Promise<client.Configuration> | undefined;
  let metadata: client.ServerMetadata | undefined;
  const refreshes = new Map<string, { result: Promise<Tokens>; until: number }>();

  function configuration(): Promise<client.Configuration> {
    discovered ??= client
      .discovery(issuer, config.clientId, undefined, client.None(), {
        timeout: OUTBOUND_TIMEOUT_MS / 1000,
        // http is accepted only for loopback issuers (config.ts); they need this to be allowed.
        ...(issuer.protocol === 'http:' ? { execute: [client.allowInsecureRequests] } : {}),
      })
      .then((found) => {
        found.timeout = OUTBOUND_TIMEOUT_MS / 1000;
        metadata = found.serverMetadata();
        return found;
      })
      .catch((error: unknown) => {
        discovered = undefined; // the next request tries again
        throw classify(error, `discovery of ${config.issuer}`);
      });
    return discovered;
  }

  function tokensFrom(response: client.TokenEndpointResponse & client.TokenEndpointResponseHelpers): Tokens {
    return {
      accessToken: response.access_token,
      refreshToken: response.refresh_token,
      expiresAt: Math.floor(now() / 1000) + (response.expiresIn() ?? UNKNOWN_LIFETIME_SECONDS),
    };
  }

  async function refreshOnce(refreshToken: string): Promise<Tokens> {
    const found = await configuration();
    try {
      const tokens = tokensFrom(await client.refreshTokenGrant(found, refreshToken));
      // Providers that do not rotate refresh tokens leave the old one valid.
      return { ...tokens, refreshToken: tokens.refreshToken ?? refreshToken };
    } catch (error) {
      throw classify(error, 'token refresh');
    }
  }

  return {
    async startSignIn(stepUp) {
      const found = await configuration();
      const signIn: SignInData = {
        state: client.randomState(),
        nonce: client.randomNonce(),
        codeVerifier: client.randomPKCECodeVerifier(),
        ...(stepUp ? { stepUp: true } : {}),
        ...(stepUp?.maxAge === undefined ? {} : { maxAge: stepUp.maxAge }),
      };
      const url = client.buildAuthorizationUrl(found, {
        redirect_uri: config.redirectUri,
        scope: config.scopes,
        state: signIn.state,
        nonce: signIn.nonce,
        code_challenge: await client.calculatePKCECodeChallenge(signIn.codeVerifier),
        code_challenge_method: 'S256',
        ...(config.resource ? { resource: config.resource } : {}),
        ...(stepUp ? stepUpParameters(stepUp) : {}),
      });
      return { url, signIn };
    },

    async finishSignIn(callbackUrl, signIn) {
      const found = await configuration();
      try {
        const response = await client.authorizationCodeGrant(found, callbackUrl, {
          pkceCodeVerifier: signIn.codeVerifier,
          expectedState: signIn.state,
          expectedNonce: signIn.nonce,
          idTokenExpected: true,
          // OpenID Connect Core §3.1.2.1: having asked for max_age, check the ID token's auth_time.
          ...(signIn.maxAge === undefined ? {} : { maxAge: signIn.maxAge }),
        });
        return { ...tokensFrom(response), userName: userNameOf(response.claims()) };
      } catch (error) {
        throw classify(error, 'sign-in');
      }
    },

    refresh(refreshToken) {
      const key = createHash('sha256').update(refreshToken).digest('base64url');
      const at = now();
      for (const [stale, entry] of refreshes) if (entry.until < at) refreshes.delete(stale);
      const pending = refreshes.get(key);
      if (pending) return pending.result;
      const result = refreshOnce(refreshToken);
      refreshes.set(key, { result, until: at + reuseMs });
      // A refused refresh is not remembered: the error page makes the user sign in again anyway.
      result.catch(() => refreshes.delete(key));
      return result;
    },

    async revoke(refreshToken) {
      try {
        const found = await configuration();
        if (!found.serverMetadata().revocation_endpoint) return;
        await client.tokenRevocation(found, refreshToken, { token_type_hint: 'refresh_token' });
      } catch {
        // Signing out goes on: the session cookie is cleared whatever the provider says.
      }
    },

    async endSessionUrl() {
      try {
        const found = await configuration();
        if (!found.serverMetadata().end_session_endpoint) return undefined;
        return client.buildEndSessionUrl(found, { post_logout_redirect_uri: config.postLogoutRedirectUri });
      } catch {
        return undefined;
      }
    },

    formTargets() {
      const origins = new Set([issuer.origin]);
      for (const endpoint of [metadata?.authorization_endpoint, metadata?.end_session_endpoint]) {
        const url = endpoint ? URL.parse(endpoint) : null;
        if (url) origins.add(url.origin);
      }
      return [...origins];
    },
  };
}
