import {
  createServer,
  type IncomingMessage,
  type RequestListener,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';
import { openFileStore } from './adapter.ts';
import { buildClients } from './clients.ts';
import { buildConfiguration } from './config.ts';
import { entraTokenResponse, translateEntraRequest } from './entra-requests.ts';
import { ensureDir } from './files.ts';
import { handleInteraction } from './interactions.ts';
import { loadOrCreateKeys } from './keys.ts';
import { assertNotProduction, type DevIdpOptions, type ResolvedOptions, resolveOptions } from './options.ts';
import { loadOrCreateTls } from './tls.ts';

export interface DevIdp {
  /** Issuer identifier: the `iss` of every token, and where discovery lives. */
  readonly issuer: string;
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

function createProvider(
  issuer: string,
  options: ResolvedOptions,
  parts: Parameters<typeof buildConfiguration>[0],
) {
  const provider = new Provider(issuer, buildConfiguration(parts));
  provider.use(entraTokenResponse);
  provider.on('server_error', (_ctx, error) => options.logger.error(`dev-idp: ${errorMessage(error)}`));
  provider.on('grant.success', (ctx) =>
    options.logger.info(`dev-idp: issued tokens to ${ctx.oidc.client?.clientId ?? 'unknown client'}`),
  );
  return provider;
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
  const server: Server = createHttpsServer({ key: tls.key, cert: tls.cert }, listener);
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
  const store = await openFileStore(resolved.dataDir, (error) =>
    logger.error(`dev-idp: could not save state under ${resolved.dataDir}: ${errorMessage(error)}`),
  );

  const address = await listen(server, resolved.port, resolved.host);
  const scheme = resolved.https ? 'https' : 'http';
  const issuer = resolved.issuer ?? `${scheme}://localhost:${address.port}`;
  try {
    const provider = createProvider(issuer, resolved, {
      clients: buildClients({ ...resolved, daemonCertJwks: keys.daemonCert }),
      signingKeys: keys.signing,
      cookieKeys: keys.cookieKeys,
      adapter: (name) => store.adapterFor(name),
    });
    const callback = provider.callback();
    handler = async (req, res) => {
      const { pathname } = new URL(req.url ?? '/', issuer);
      if (await handleInteraction(provider, req, res, pathname)) return;
      const next = await translateEntraRequest(req, res);
      if (next) await callback(next, res);
    };
  } catch (error) {
    await stop(server);
    throw error;
  }

  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `${scheme}://${host}:${address.port}`;
  logger.info(`dev-idp: listening on ${url}`);

  let closing: Promise<void> | undefined;
  return {
    issuer,
    url,
    caFile,
    close() {
      closing ??= stop(server).then(() => store.flush());
      return closing;
    },
  };
}
