/**
 * Process entry: reads the environment, opens the store, starts Gatehouse in the background,
 * listens at once, and shuts down cleanly on SIGTERM/SIGINT (in-flight requests finish, the
 * store closes, the process exits within 5 s).
 */
import type { Server } from 'node:http';
import { createGatehouse, type Gatehouse, isGatehouseError } from 'gatehouse-auth';
import { buildApp } from './app.ts';
import { type Config, loadConfig } from './config.ts';
import { ConfigError } from './config-error.ts';
import { createRedisReplay, type DpopReplay, dpopOptions } from './dpop.ts';
import { createLogger } from './logger.ts';
import { GatehouseMetrics, loadMetricsConfig, type MetricsConfig, startMetricsServer } from './metrics.ts';
import { instrumentOpenTelemetry, openTelemetryRequested } from './otel.ts';
import { createRedisRateLimit, type RateLimitBackend } from './rate-limit-redis.ts';
import { openStore } from './store/open.ts';
import type { TodoStore } from './store/types.ts';
import { httpsServerFactory, readTls, type TlsMaterial } from './tls.ts';

/** Longest a shutdown may take before the process exits anyway. */
const SHUTDOWN_DEADLINE_MS = 4500;

/** One clear line on stderr, no stack trace, exit code 1. */
function fail(message: string): never {
  process.stderr.write(`todo-api: ${message}\n`);
  process.exit(1);
}

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function readConfig(): Config {
  try {
    return loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) fail(`invalid configuration: ${error.message}`);
    throw error;
  }
}

function readMetricsConfig(config: Config): MetricsConfig | undefined {
  try {
    return loadMetricsConfig(process.env, config.port);
  } catch (error) {
    if (error instanceof ConfigError) fail(`invalid configuration: ${error.message}`);
    throw error;
  }
}

type Logger = ReturnType<typeof createLogger>;

function startGatehouse(config: Config, logger: Logger, replay: DpopReplay | undefined): Gatehouse {
  try {
    return createGatehouse({
      dpop: dpopOptions(config, replay),
      ...(config.auth.issuer ? { issuer: config.auth.issuer } : {}),
      ...(config.auth.metadataUrl ? { metadataUrl: config.auth.metadataUrl } : {}),
      ...(config.auth.tenants ? { tenants: config.auth.tenants } : {}),
      ...(config.auth.introspection ? { introspection: config.auth.introspection } : {}),
      audience: config.auth.audience,
      ...(config.mtls ? { mtls: config.mtls } : {}),
      logger: logger.child({ component: 'gatehouse' }),
    });
  } catch (error) {
    if (isGatehouseError(error)) {
      if (/^gatehouse: tenants /.test(error.description)) {
        fail(
          `invalid configuration: AUTH_TENANTS is required: ${config.auth.metadataUrl ?? config.auth.issuer} is a multi-tenant issuer that fits every tenant; set AUTH_TENANTS to the tenant ids allowed to call, or * to accept any tenant`,
        );
      }
      if (/^gatehouse: introspection/.test(error.description)) {
        fail(`invalid configuration: AUTH_INTROSPECTION_* (${error.description})`);
      }
      const variable = config.auth.metadataUrl ? 'AUTH_METADATA_URL' : 'AUTH_ISSUER';
      fail(`invalid configuration: ${variable} (${error.description})`);
    }
    throw error;
  }
}

function readTlsOrFail(config: Config): TlsMaterial | undefined {
  try {
    return config.tls ? readTls(config.tls) : undefined;
  } catch (error) {
    if (error instanceof ConfigError) fail(`invalid configuration: ${error.message}`);
    throw error;
  }
}

function openStoreOrFail(config: Config, logger: Logger): TodoStore {
  try {
    return openStore(config.database, {
      onConnectionError: (error) =>
        logger.warn({ store: 'postgres', error: error.message }, 'database connection lost'),
    });
  } catch (error) {
    fail(`DATABASE_URL ${config.database.display} cannot be opened: ${reason(error)}`);
  }
}

/** PostgreSQL is reached (and migrated) in the background: the API listens whatever it does. */
function checkStoreInBackground(config: Config, store: TodoStore, logger: Logger): void {
  if (config.database.kind !== 'postgres') return;
  store.ping().then(
    () => logger.info({ store: 'postgres', database: config.database.display }, 'database ready'),
    (error: unknown) =>
      logger.warn(
        { store: 'postgres', database: config.database.display, error: reason(error) },
        'database not reachable yet; requests that need it get 503 until it is',
      ),
  );
}

function rateLimitBackend(config: Config, logger: Logger): RateLimitBackend | undefined {
  if (!config.redisUrl) return undefined;
  if (!config.rateLimit.enabled) {
    logger.info('REDIS_URL is set but RATE_LIMIT is off: Redis is not used');
    return undefined;
  }
  return createRedisRateLimit({
    url: config.redisUrl,
    points: config.rateLimit.points,
    durationSeconds: config.rateLimit.durationSeconds,
    logger: logger.child({ component: 'rate-limit' }),
  });
}

async function main(): Promise<void> {
  const config = readConfig();
  const metricsConfig = readMetricsConfig(config);
  const tls = readTlsOrFail(config);
  const logger = createLogger(config.logLevel);
  const store = openStoreOrFail(config, logger);
  const rateLimit = rateLimitBackend(config, logger);
  // DPoP proofs seen by any instance, when instances share Redis (RFC 9449 §11.1).
  const replay = config.redisUrl && config.dpop !== 'off' ? createRedisReplay(config.redisUrl) : undefined;
  const gatehouse = startGatehouse(config, logger, replay);
  // Subscribed before start(): the first key fetch is counted too.
  const metrics = metricsConfig ? new GatehouseMetrics(gatehouse) : undefined;
  const stopOtel = openTelemetryRequested(process.env)
    ? await instrumentOpenTelemetry(gatehouse, logger)
    : undefined;
  const app = await buildApp({
    config,
    store,
    gatehouse,
    logger,
    ...(rateLimit ? { rateLimit } : {}),
    ...(tls ? { serverFactory: httpsServerFactory(tls) } : {}),
  });
  let metricsServer: Server | undefined;
  app.addHook('onClose', async () => {
    metrics?.stop();
    stopOtel?.();
    metricsServer?.closeAllConnections();
    metricsServer?.close();
    gatehouse.close();
    await Promise.all([store.close(), rateLimit?.close(), replay?.close()]);
  });
  checkStoreInBackground(config, store, logger);

  // Keys load in the background; until then protected routes answer 503 + Retry-After.
  gatehouse.start();
  try {
    await app.listen({ port: config.port, host: config.host });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    await Promise.all([store.close(), rateLimit?.close()]);
    gatehouse.close();
    if (code === 'EADDRINUSE') fail(`PORT ${config.port} is already in use on ${config.host}`);
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND')
      fail(`HOST ${config.host} is not an address of this machine`);
    fail(`cannot listen on ${config.host}:${config.port}: ${reason(error)}`);
  }
  if (metrics && metricsConfig) {
    try {
      metricsServer = await startMetricsServer(metrics, metricsConfig);
      const { port } = metricsServer.address() as { port: number };
      const host = metricsConfig.host.includes(':') ? `[${metricsConfig.host}]` : metricsConfig.host;
      logger.info({ metrics: `http://${host}:${port}/metrics` }, 'metrics listening');
    } catch (error) {
      await app.close();
      fail(
        `METRICS_PORT ${metricsConfig.port} cannot be listened on at ${metricsConfig.host}: ${reason(error)}`,
      );
    }
  }

  let stopping = false;
  const shutdown = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    setTimeout(() => {
      logger.error('shutdown took too long; exiting');
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS).unref();
    // Connections that fall idle after close() began would otherwise wait out keep-alive.
    setInterval(() => app.server.closeIdleConnections(), 100).unref();
    app.close().then(
      () => {
        logger.info('stopped');
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}

main().catch((error: unknown) => fail(`start-up failed: ${reason(error)}`));
