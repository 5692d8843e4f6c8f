import { randomUUID } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, importPKCS8, SignJWT } from 'jose';
import { DEV_CLIENT_IDS, DEV_DAEMON_SECRET } from './clients.ts';
import { DevIdpError } from './errors.ts';
import { API_RESOURCE } from './resource.ts';

export interface TokenSet {
  accessToken: string;
  refreshToken?: string;
  idToken?: string;
  /** Seconds until the access token expires, as the token endpoint said. */
  expiresIn: number;
  /** Granted scope, as the token endpoint said (if it said). */
  scope?: string;
}

export interface IssuerMetadata {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  jwks_uri: string;
  end_session_endpoint?: string;
}

async function readJson(response: Response): Promise<unknown> {
  try {
    return await response.json();
  } catch {
    return undefined;
  }
}

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}

/** Reads the issuer's discovery document (over real HTTP, as any client would). */
export async function discover(issuer: string): Promise<IssuerMetadata> {
  const url = `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
  let response: Response;
  try {
    response = await fetch(url, { headers: { accept: 'application/json' } });
  } catch (cause) {
    throw new DevIdpError('ERR_DEV_IDP_DISCOVERY', `cannot reach ${url}`, { cause });
  }
  const metadata = await readJson(response);
  for (const key of ['issuer', 'authorization_endpoint', 'token_endpoint', 'jwks_uri']) {
    if (!response.ok || typeof field(metadata, key) !== 'string') {
      throw new DevIdpError(
        'ERR_DEV_IDP_DISCOVERY',
        `${url} answered HTTP ${response.status} without ${key}`,
        {
          status: response.status,
        },
      );
    }
  }
  return metadata as IssuerMetadata;
}

/** POSTs a token request; an error answer becomes a DevIdpError carrying its status and OAuth `error`. */
export async function requestToken(tokenEndpoint: string, params: URLSearchParams): Promise<TokenSet> {
  const response = await fetch(tokenEndpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: params,
  });
  const body = await readJson(response);
  const accessToken = field(body, 'access_token');
  if (!response.ok || typeof accessToken !== 'string') {
    const error = field(body, 'error');
    const description = field(body, 'error_description');
    const reason = [error, description].filter((part) => typeof part === 'string').join(': ');
    throw new DevIdpError(
      'ERR_DEV_IDP_TOKEN_REQUEST',
      `token request (${params.get('grant_type')}) failed with HTTP ${response.status}${reason ? ` ${reason}` : ''}`,
      { status: response.status, error: typeof error === 'string' ? error : undefined },
    );
  }
  const optional = (key: string) => {
    const value = field(body, key);
    return typeof value === 'string' ? value : undefined;
  };
  const expiresIn = field(body, 'expires_in');
  return {
    accessToken,
    refreshToken: optional('refresh_token'),
    idToken: optional('id_token'),
    expiresIn: typeof expiresIn === 'number' ? expiresIn : 0,
    scope: optional('scope'),
  };
}

export interface AppTokenOptions {
  issuer: string;
  /** @default 'todo-daemon' */
  clientId?: string;
  /** Client secret (client_secret_post). @default 'dev-daemon-secret' unless `privateKey` is given */
  clientSecret?: string;
  /** PKCS#8 PEM private key: authenticates with private_key_jwt instead (e.g. `todo-daemon-cert`). */
  privateKey?: string;
  /** @default 'api://todo/.default' */
  scope?: string;
}

async function clientAssertion(clientId: string, pem: string, audience: string): Promise<string> {
  const key = await importPKCS8(pem, 'RS256', { extractable: true });
  return new SignJWT({})
    .setProtectedHeader({ alg: 'RS256', kid: await calculateJwkThumbprint(await exportJWK(key)) })
    .setIssuer(clientId)
    .setSubject(clientId)
    .setAudience(audience)
    .setJti(randomUUID())
    .setIssuedAt()
    .setExpirationTime('2m')
    .sign(key);
}

/** Client credentials grant against the issuer's token endpoint: an app token with the client's roles. */
export async function getAppToken(options: AppTokenOptions): Promise<TokenSet> {
  const { token_endpoint } = await discover(options.issuer);
  const clientId = options.clientId ?? DEV_CLIENT_IDS.daemon;
  const params = new URLSearchParams({
    grant_type: 'client_credentials',
    client_id: clientId,
    scope: options.scope ?? `${API_RESOURCE}/.default`,
  });
  if (options.privateKey !== undefined) {
    params.set('client_assertion_type', 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
    params.set('client_assertion', await clientAssertion(clientId, options.privateKey, token_endpoint));
  } else {
    params.set('client_secret', options.clientSecret ?? DEV_DAEMON_SECRET);
  }
  return requestToken(token_endpoint, params);
}

export interface RefreshOptions {
  issuer: string;
  refreshToken: string;
  /** The public client the refresh token was issued to. @default 'todo-cli' */
  clientId?: string;
  /** Narrower scope, optional. */
  scope?: string;
}

/** Refresh token grant for a public client. */
export async function refreshUserToken(options: RefreshOptions): Promise<TokenSet> {
  const { token_endpoint } = await discover(options.issuer);
  const params = new URLSearchParams({
    grant_type: 'refresh_token',
    refresh_token: options.refreshToken,
    client_id: options.clientId ?? DEV_CLIENT_IDS.cli,
  });
  if (options.scope) params.set('scope', options.scope);
  return requestToken(token_endpoint, params);
}
