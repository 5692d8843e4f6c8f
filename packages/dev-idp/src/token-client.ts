import { randomUUID } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, importPKCS8, SignJWT } from 'jose';
import { DEV_CLIENT_IDS, DEV_DAEMON_SECRET } from './clients.ts';
import { DevIdpError } from './errors.ts';
import { clientCredentialsParams } from './profiles/client-params.ts';
import { PROFILE_NAMES, type ProfileName } from './profiles/types.ts';

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
  /** Which profile the dev IdP speaks there (its own discovery field). */
  dev_idp_profile?: string;
}

/** Where to find an issuer: its identifier (discovery at `${issuer}/.well-known/...`) or an explicit document. */
export interface IssuerLocation {
  /** Issuer identifier; discovery at `${issuer}/.well-known/openid-configuration`. */
  issuer?: string;
  /** The discovery document itself, e.g. a B2C policy's (`idp.metadataUrl`, `idp.authorities[i].metadataUrl`). */
  metadataUrl?: string;
  /** Which provider's requests to send. @default what the dev IdP's discovery document says, else 'entra' */
  profile?: ProfileName;
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

/** Reads the issuer's discovery document (over real HTTP, as any client would); `metadataUrl` names it explicitly. */
export async function discover(issuer: string | undefined, metadataUrl?: string): Promise<IssuerMetadata> {
  if (metadataUrl === undefined && issuer === undefined) {
    throw new DevIdpError('ERR_DEV_IDP_DISCOVERY', 'dev-idp: give issuer or metadataUrl');
  }
  const url = metadataUrl ?? `${issuer?.replace(/\/$/, '')}/.well-known/openid-configuration`;
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

/** The profile to speak: as asked, else as the dev IdP's discovery document says, else entra. */
export function profileOf(location: IssuerLocation, metadata: IssuerMetadata): ProfileName {
  const advertised = PROFILE_NAMES.find((name) => name === metadata.dev_idp_profile);
  return location.profile ?? advertised ?? 'entra';
}

export interface AppTokenOptions extends IssuerLocation {
  /** @default 'todo-daemon' */
  clientId?: string;
  /** Client secret (client_secret_post). @default 'dev-daemon-secret' unless `privateKey` is given */
  clientSecret?: string;
  /** PKCS#8 PEM private key: authenticates with private_key_jwt instead (e.g. `todo-daemon-cert`). */
  privateKey?: string;
  /** @default entra: 'api://todo/.default'; others: the client's whole grant (Auth0 names its API in `audience`) */
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
  const metadata = await discover(options.issuer, options.metadataUrl);
  const { token_endpoint } = metadata;
  const clientId = options.clientId ?? DEV_CLIENT_IDS.daemon;
  const params = new URLSearchParams({
    grant_type: 'client_credentials',
    client_id: clientId,
    ...clientCredentialsParams(profileOf(options, metadata), options.scope),
  });
  if (options.privateKey !== undefined) {
    params.set('client_assertion_type', 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
    params.set('client_assertion', await clientAssertion(clientId, options.privateKey, token_endpoint));
  } else {
    params.set('client_secret', options.clientSecret ?? DEV_DAEMON_SECRET);
  }
  return requestToken(token_endpoint, params);
}

export interface RefreshOptions extends IssuerLocation {
  refreshToken: string;
  /** The public client the refresh token was issued to. @default 'todo-cli' */
  clientId?: string;
  /** Narrower scope, optional. */
  scope?: string;
}

/** Refresh token grant for a public client. */
export async function refreshUserToken(options: RefreshOptions): Promise<TokenSet> {
  const { token_endpoint } = await discover(options.issuer, options.metadataUrl);
  const params = new URLSearchParams({
    grant_type: 'refresh_token',
    refresh_token: options.refreshToken,
    client_id: options.clientId ?? DEV_CLIENT_IDS.cli,
  });
  if (options.scope) params.set('scope', options.scope);
  return requestToken(token_endpoint, params);
}
