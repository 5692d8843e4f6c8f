import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
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

export interface DevIdp {
  /** Issuer identifier: the `iss` of every token, and where discovery lives. */
  readonly issuer: string;
  /** Where the server actually listens (the issuer may name `localhost` instead). */
  readonly url: string;
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
  const store = await openFileStore(resolved.dataDir, (error) =>
    logger.error(`dev-idp: could not save state under ${resolved.dataDir}: ${errorMessage(error)}`),
  );

  let handler: Handler | undefined;
  const server = createServer((req, res) => {
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

  const address = await listen(server, resolved.port, resolved.host);
  const issuer = resolved.issuer ?? `http://localhost:${address.port}`;
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
  const url = `http://${host}:${address.port}`;
  logger.info(`dev-idp: listening on ${url}`);

  let closing: Promise<void> | undefined;
  return {
    issuer,
    url,
    close() {
      closing ??= stop(server).then(() => store.flush());
      return closing;
    },
  };
}
