import {
  createServer,
  type IncomingMessage,
  type RequestListener,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { JWK } from 'jose';
import Provider from 'oidc-provider';
import { type FileStore, openFileStore, requestScope } from './adapter.ts';
import { loadOrCreateClientCertificate } from './client-certificate.ts';
import { buildClients } from './clients.ts';
import { buildConfiguration } from './config.ts';
import { ensureDir } from './files.ts';
import { handleInteraction } from './interactions.ts';
import { loadOrCreateKeys } from './keys.ts';
import { REQUEST_CLIENT_CERTIFICATE } from './mtls.ts';
import {
  assertNotProduction,
  type DevIdpOptions,
  isLoopback,
  type ResolvedOptions,
  resolveOptions,
} from './options.ts';
import { buildProfile } from './profiles/index.ts';
import { requestedUrls } from './profiles/mount.ts';
import type { Authority, Profile, ProfileName } from './profiles/types.ts';
import { prefixedTokenResponse, translateRequest } from './requests.ts';
import { loadOrCreateTls } from './tls.ts';

/** One issuer the IdP serves (a profile may serve several, e.g. one per B2C policy). */
export interface DevIdpAuthority {
  /** `default` (entra), `tenant` (entra, Entra's URL layout), the B2C policy, `auth0`, the Keycloak realm. */
  readonly id: string;
  readonly issuer: string;
  /** Its discovery document. */
  readonly metadataUrl: string;
}

export interface DevIdp {
  /** The token shape this IdP speaks. */
  readonly profile: ProfileName;
  /**
   * Issuer identifier: the `iss` of the tokens (of the first authority's, when there are several:
   * entra's origin issuer; B2C's policies all share theirs).
   */
  readonly issuer: string;
  /** The first authority's discovery document (B2C: the first policy's, path form). */
  readonly metadataUrl: string;
  /** Every issuer served, with its discovery document. */
  readonly authorities: readonly DevIdpAuthority[];
  /** Where the server actually listens (the issuer may name `localhost` instead). */
  readonly url: string;
  /**
   * https mode only: the development CA certificate clients must trust, e.g. by starting them with
   * `NODE_EXTRA_CA_CERTS` set to this path (Node reads it once, at process start).
   */
  readonly caFile: string | undefined;
  /** Stops accepting, lets in-flight requests finish, and saves state. Safe to call twice. */
  close(): Promise<void>;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

// In-flight requests get this long to finish once close() is called.
const CLOSE_GRACE_MS = 2000;

function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

function stop(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    const force = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS).unref();
    server.close((error) => {
      clearTimeout(force);
      if (error) reject(error);
      else resolve();
    });
    server.closeIdleConnections();
  });
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

interface ProviderParts {
  clients: ReturnType<typeof buildClients>;
  signingKeys: { keys: JWK[] };
  cookieKeys: string[];
}

/** The default entra issuer keeps the names it always had; every other authority gets its own. */
function isOriginal(profile: Profile, authority: Authority): boolean {
  return profile.name === 'entra' && authority.mount === '';
}

function createProvider(
  profile: Profile,
  authority: Authority,
  options: ResolvedOptions,
  parts: ProviderParts,
  store: FileStore,
) {
  const own = authority.id.replace(/[^A-Za-z0-9_-]/g, '_');
  const provider = new Provider(
    authority.issuer,
    buildConfiguration({
      clients: parts.clients.filter((client) => authority.clients.includes(client.client_id)),
      signingKeys: parts.signingKeys,
      cookieKeys: parts.cookieKeys,
      adapter: (name) => store.adapterFor(name),
      profile: profile.name,
      authority,
      cookieSuffix: isOriginal(profile, authority) ? '' : `.${own}`,
      mtls: options.https,
    }),
  );
  // First, so that the replay records see every request (adapter.ts).
  provider.use(requestScope);
  provider.use(prefixedTokenResponse(authority));
  for (const middleware of authority.middleware ?? []) provider.use(middleware);
  provider.on('server_error', (_ctx, error) => options.logger.error(`dev-idp: ${errorMessage(error)}`));
  provider.on('grant.success', (ctx) =>
    options.logger.info(`dev-idp: issued tokens to ${ctx.oidc.client?.clientId ?? 'unknown client'}`),
  );
  return provider;
}

type MountedRequest = IncomingMessage & { originalUrl?: string };

/**
 * oidc-provider derives the URLs it prints (discovery, redirects) from `originalUrl` minus `url`:
 * that difference is where the authority is mounted.
 */
function mount(req: IncomingMessage, authority: Authority): void {
  if (authority.mount) (req as MountedRequest).originalUrl = `${authority.mount}${req.url ?? '/'}`;
}

function notFound(res: ServerResponse): void {
  res.writeHead(404, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ error: 'not_found', error_description: 'no such endpoint on this profile' }));
}

/** Names the server certificate must cover besides the loopback ones: the issuer's host and ours. */
function certificateNames(resolved: ResolvedOptions): string[] {
  const names: string[] = [];
  if (resolved.issuer) names.push(new URL(resolved.issuer).hostname);
  if (resolved.host !== '0.0.0.0' && resolved.host !== '::') names.push(resolved.host);
  return names;
}

async function createListener(resolved: ResolvedOptions, listener: RequestListener) {
  if (!resolved.https) return { server: createServer(listener), caFile: undefined };
  const tls = await loadOrCreateTls(resolved.dataDir, {
    hostnames: certificateNames(resolved),
    onNewCa: (caFile) =>
      resolved.logger.warn(
        `dev-idp: created a development CA; clients trust it with NODE_EXTRA_CA_CERTS=${caFile}`,
      ),
  });
  // An https.Server is an http.Server for everything used here (listen, close, connections).
  const server: Server = createHttpsServer(
    { key: tls.key, cert: tls.cert, ...REQUEST_CLIENT_CERTIFICATE },
    listener,
  );
  return { server, caFile: tls.caFile };
}

/**
 * Starts the development identity provider. It listens before the provider exists, so that port 0
 * works: the issuer names the port actually bound.
 */
export async function startDevIdp(options: DevIdpOptions = {}): Promise<DevIdp> {
  assertNotProduction();
  const resolved = resolveOptions(options);
  const { logger } = resolved;
  await ensureDir(resolved.dataDir);
  const keys = await loadOrCreateKeys(resolved.dataDir);

  let handler: Handler | undefined;
  const { server, caFile } = await createListener(resolved, (req, res) => {
    if (!handler) {
      res.writeHead(503, { 'retry-after': '1' }).end();
      return;
    }
    handler(req, res).catch((error: unknown) => {
      logger.error(`dev-idp: ${req.method} ${req.url?.split('?')[0]} failed: ${errorMessage(error)}`);
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end();
    });
  });
  const onStoreError = (error: unknown) =>
    logger.error(`dev-idp: could not save state under ${resolved.dataDir}: ${errorMessage(error)}`);
  const stores: FileStore[] = [];

  const address = await listen(server, resolved.port, resolved.host);
  if (!isLoopback(resolved.host)) {
    logger.warn(
      `dev-idp: WARNING: listening on ${resolved.host}, reachable from other machines: anyone who can ` +
        'connect can sign in as any user without a password and use its published client secrets',
    );
  }
  const scheme = resolved.https ? 'https' : 'http';
  const origin = resolved.issuer ?? `${scheme}://localhost:${address.port}`;
  const profile = buildProfile(resolved.profile, origin);
  try {
    const mtlsClient = resolved.https ? await loadOrCreateClientCertificate(resolved.dataDir) : undefined;
    const parts: ProviderParts = {
      clients: buildClients({ ...resolved, daemonCertJwks: keys.daemonCert, mtlsClientJwk: mtlsClient?.jwk }),
      signingKeys: keys.signing,
      cookieKeys: keys.cookieKeys,
    };
    const served = new Map<Authority, { provider: Provider; callback: Handler }>();
    for (const authority of profile.authorities) {
      const prefix = isOriginal(profile, authority) ? '' : `${profile.name}.${authority.id}.`;
      const store = await openFileStore(resolved.dataDir, onStoreError, prefix);
      stores.push(store);
      const provider = createProvider(profile, authority, resolved, parts, store);
      served.set(authority, { provider, callback: provider.callback() });
    }
    handler = async (req, res) => {
      const requested = new URL(req.url ?? '/', origin);
      const route = profile.route(requested);
      const target = route && served.get(route.authority);
      if (!route || !target) return notFound(res);
      requestedUrls.set(req, requested);
      req.url = route.inner;
      mount(req, route.authority);
      const { pathname } = new URL(route.inner, origin);
      if (await handleInteraction(target.provider, req, res, pathname, route.authority)) return;
      const next = await translateRequest(req, res, route.authority);
      if (!next) return;
      // Translation may have rewritten the URL, or replayed the request with a new body.
      mount(next, route.authority);
      await target.callback(next, res);
    };
  } catch (error) {
    await stop(server);
    throw error;
  }

  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `${scheme}://${host}:${address.port}`;
  logger.info(`dev-idp: listening on ${url}`);

  const authorities = profile.authorities.map(({ id, issuer, metadataUrl }) => ({ id, issuer, metadataUrl }));
  const [first] = authorities;
  if (!first) throw new Error(`dev-idp: profile ${profile.name} serves no issuer`);
  let closing: Promise<void> | undefined;
  return {
    profile: profile.name,
    issuer: first.issuer,
    metadataUrl: first.metadataUrl,
    authorities,
    url,
    caFile,
    close() {
      closing ??= stop(server)
        .then(() => Promise.all(stores.map((store) => store.flush())))
        .then(() => {});
      return closing;
    },
  };
}
