/**
 * HTTP client for the to-do API. Sends the daemon's token as a Bearer header (or, with DPoP, as
 * `Authorization: DPoP` with a proof per request, RFC 9449 §7.1); on a 401 it asks for
 * a fresh token and tries once more (the cached one may have been revoked, or the issuer may have
 * rotated its keys). Every failure becomes a CliError whose exit code says what kind it was.
 */
import type { TokenProvider } from './auth.ts';
import { type Challenge, type DpopKey, parseChallenges } from './dpop.ts';
import { CliError, EXIT, networkFailure, printable } from './errors.ts';
import type { MtlsFetch } from './mtls.ts';

export interface ApiResponse {
  status: number;
  headers: Headers;
  /** Parsed JSON, or undefined for an empty body. */
  body: unknown;
}

export interface RequestOptions {
  json?: unknown;
  /** Says what a 404 means for this request, e.g. `no to-do item abc`. */
  notFound?: string;
}

export interface ApiClient {
  /** `path` is relative to the API's base URL (`api/todos`), or an absolute URL on the same origin. */
  send(method: string, path: string, options?: RequestOptions): Promise<ApiResponse>;
}

export interface ApiClientOptions {
  baseUrl: URL;
  tokens: TokenProvider;
  /** Client id, named in 403 messages. */
  clientId?: string;
  timeoutMs?: number;
  /**
   * Send the token as `Authorization: DPoP` with a fresh proof signed by this key on every request
   * (RFC 9449 §7.1); the token must be bound to it (TokenProviderOptions.dpop).
   */
  dpop?: DpopKey;
  /**
   * Mutual TLS (RFC 8705): a fetch presenting the client certificate the token is bound to
   * (mtls.ts); the API accepts a certificate-bound token only over such a connection.
   */
  fetch?: MtlsFetch;
}

/** Parameters of a `WWW-Authenticate: Bearer k="v", ...` header (RFC 6750 section 3). */
export function bearerChallenge(header: string | null): Record<string, string> {
  const params: Record<string, string> = {};
  if (!header || !/^\s*bearer\b/i.test(header)) return params;
  for (const match of header.matchAll(/([A-Za-z0-9_-]+)=(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))/g)) {
    const [, name, quoted, token] = match;
    if (name) params[name] = quoted !== undefined ? quoted.replace(/\\(.)/g, '$1') : (token ?? '');
  }
  return params;
}

function problemDetail(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const { detail, title, errors } = body as { detail?: unknown; title?: unknown; errors?: unknown };
  const text = typeof detail === 'string' ? detail : typeof title === 'string' ? title : undefined;
  const fields = Array.isArray(errors)
    ? errors
        .map((entry: { path?: unknown; message?: unknown }) =>
          typeof entry?.path === 'string' && typeof entry.message === 'string'
            ? `${entry.path} ${entry.message}`
            : undefined,
        )
        .filter((entry): entry is string => entry !== undefined)
    : [];
  if (text === undefined) return undefined;
  return printable(fields.length > 0 ? `${text} (${fields.join('; ')})` : text);
}

/** The challenge of `scheme` in a response, if any. */
function challengeOf(response: ApiResponse, scheme: string): Challenge | undefined {
  return parseChallenges(response.headers.get('www-authenticate')).find((c) => c.scheme === scheme);
}

/**
 * A 401 that only a DPoP-bound token can pass: a DPoP challenge and no Bearer one (RFC 9449 §7.1;
 * Gatehouse's `required` mode), answered to a Bearer request.
 */
function requiresDpop(response: ApiResponse): boolean {
  return (
    response.status === 401 &&
    challengeOf(response, 'dpop') !== undefined &&
    challengeOf(response, 'bearer') === undefined
  );
}

/** The API asks for its nonce in the next proof (RFC 9449 §9). */
function wantsNonce(response: ApiResponse): boolean {
  return (
    response.status === 401 &&
    challengeOf(response, 'dpop')?.params.error === 'use_dpop_nonce' &&
    response.headers.has('dpop-nonce')
  );
}

function reasonOf(challenge: Challenge): string {
  const { error, error_description: description } = challenge.params;
  return error ? `${error}${description ? `: ${printable(description)}` : ''}` : '';
}

function failure(
  response: ApiResponse,
  options: RequestOptions,
  clientId: string | undefined,
  usedDpop: boolean,
): CliError {
  const detail = problemDetail(response.body);
  // The challenge of the scheme this request used (RFC 9449 §7.1: DPoP's, when it sent a proof).
  const challenge = usedDpop
    ? (challengeOf(response, 'dpop')?.params ?? {})
    : bearerChallenge(response.headers.get('www-authenticate'));
  const described = (fallback: string) => detail ?? fallback;
  if (response.status === 401 && !usedDpop && requiresDpop(response)) {
    const dpop = challengeOf(response, 'dpop');
    const reason = (dpop && reasonOf(dpop)) || described('no token accepted but a DPoP-bound one');
    return new CliError(
      `the API requires DPoP-bound tokens (RFC 9449) and refused this Bearer token (${reason}); run with --dpop or set TODO_DPOP=1`,
      EXIT.auth,
    );
  }
  const dpopChallenge = usedDpop ? challengeOf(response, 'dpop') : undefined;
  if (response.status === 401 && dpopChallenge && reasonOf(dpopChallenge)) {
    return new CliError(
      `the API refused this client's DPoP-bound token and proof, also with a fresh token (${reasonOf(dpopChallenge)}); check that the API trusts TODO_AUTHORITY's issuer and that TODO_API_URL is the URL the API knows itself by (the proof names it)`,
      EXIT.auth,
    );
  }
  switch (response.status) {
    case 401: {
      const reason = challenge.error
        ? `${challenge.error}${challenge.error_description ? `: ${printable(challenge.error_description)}` : ''}`
        : described('no details');
      return new CliError(
        `the API refused this client's access token, also a fresh one (${reason}); check that the API trusts TODO_AUTHORITY's issuer and accepts the audience of TODO_SCOPE`,
        EXIT.auth,
      );
    }
    case 403: {
      const who = clientId ? `client ${clientId}` : 'this client';
      if (challenge.error === 'insufficient_scope') {
        const needs = challenge.scope
          ? `; it needs ${printable(challenge.scope.split(' ').join(' or '))}`
          : '';
        return new CliError(
          `forbidden (insufficient_scope): ${who} lacks the permission to do this${needs}; grant that app permission (role) to the client and consent to it`,
          EXIT.forbidden,
        );
      }
      return new CliError(`forbidden: ${described(`${who} may not do this`)}`, EXIT.forbidden);
    }
    case 404:
      return new CliError(`not found: ${options.notFound ?? described('no such resource')}`, EXIT.notFound);
    case 502:
    case 503:
    case 504: {
      const retry = response.headers.get('retry-after');
      return new CliError(
        `the API is unavailable (HTTP ${response.status}${detail ? `: ${detail}` : ''})${retry ? `; try again in ${printable(retry)} s` : ''}`,
        EXIT.unreachable,
      );
    }
    default:
      return new CliError(
        `the API answered HTTP ${response.status}${detail ? `: ${detail}` : ''}`,
        EXIT.error,
      );
  }
}

async function readBody(response: Response): Promise<unknown> {
  const text = await response.text();
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export function createApiClient(options: ApiClientOptions): ApiClient {
  const { tokens } = options;
  const timeoutMs = options.timeoutMs ?? 15_000;
  // URL resolution keeps a base path (https://host/todo/ + api/todos), hence the trailing slash.
  const base = new URL(
    options.baseUrl.href.endsWith('/') ? options.baseUrl.href : `${options.baseUrl.href}/`,
  );
  const apiName = base.href.replace(/\/$/, '');

  const { dpop } = options;
  const mtls = options.fetch;
  const send = (url: URL, init: RequestInit & { body: string | undefined }) =>
    mtls ? mtls(url, init) : fetch(url, init);
  // The API's latest DPoP nonce (RFC 9449 §9), sent in every proof once it has given one.
  let nonce: string | undefined;

  const attempt = async (method: string, url: URL, token: string, json: unknown): Promise<ApiResponse> => {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (dpop) {
      headers.authorization = `DPoP ${token}`;
      headers.dpop = await dpop.proof(method, url, token, nonce);
    } else {
      headers.authorization = `Bearer ${token}`;
    }
    if (json !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await send(url, {
        method,
        headers,
        body: json === undefined ? undefined : JSON.stringify(json),
        signal: AbortSignal.timeout(timeoutMs),
        // A redirect could carry the token somewhere else; the API never redirects.
        redirect: 'error',
      });
    } catch (error) {
      const network = networkFailure(error);
      if (network?.tls) {
        throw new CliError(
          `cannot connect securely to the API at ${apiName} (${network.code}); check TODO_API_URL, or trust its CA with NODE_EXTRA_CA_CERTS`,
          EXIT.unreachable,
          { cause: error },
        );
      }
      throw new CliError(
        `cannot reach the API at ${apiName} (${network?.code ?? 'network error'}); is it running? check TODO_API_URL`,
        EXIT.unreachable,
        { cause: error },
      );
    }
    // Any answer may hand out the next nonce (RFC 9449 §8.2), a 200 as well as use_dpop_nonce.
    if (dpop) nonce = response.headers.get('dpop-nonce') ?? nonce;
    return { status: response.status, headers: response.headers, body: await readBody(response) };
  };

  // With DPoP, a use_dpop_nonce answer is retried once with the nonce it carried (RFC 9449 §9).
  const attemptWithNonce = async (method: string, url: URL, token: string, json: unknown) => {
    const response = await attempt(method, url, token, json);
    return dpop && wantsNonce(response) ? attempt(method, url, token, json) : response;
  };

  return {
    async send(method, path, requestOptions = {}) {
      const url = new URL(path.replace(/^\//, ''), base);
      if (url.origin !== base.origin) throw new Error(`refusing to send the token to ${url.origin}`);
      let response = await attemptWithNonce(method, url, await tokens.getToken(), requestOptions.json);
      // A fresh Bearer token cannot pass where only DPoP-bound ones do: no second token request.
      if (response.status === 401 && !(!dpop && requiresDpop(response))) {
        tokens.invalidate();
        response = await attemptWithNonce(method, url, await tokens.getToken(), requestOptions.json);
      }
      if (response.status >= 400) {
        throw failure(response, requestOptions, options.clientId, dpop !== undefined);
      }
      return response;
    },
  };
}
