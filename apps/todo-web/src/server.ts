/**
 * Process entry: reads the environment (one clear line and exit 1 for a bad value), loads or
 * creates the session key, listens at once (the identity provider is discovered on first use, so
 * start-up never waits for it), prints its URL, and on SIGTERM/SIGINT lets in-flight requests
 * finish and exits within 5 s.
 */

import { ConfigError } from 'gatehouse-todo-api/config-error';
import { buildApp } from './app.ts';
import { type Config, loadConfig } from './config.ts';
import { loadSessionSecrets } from './session-key.ts';

const SHUTDOWN_DEADLINE_MS = 4500;

function fail(message: string): never {
  process.stderr.write(`todo-web: ${message}\n`);
  process.exit(1);
}

function reason(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
}

async function configure(): Promise<{ config: Config; secrets: string[] }> {
  try {
    const config = loadConfig(process.env);
    return { config, secrets: await loadSessionSecrets(config) };
  } catch (error) {
    if (error instanceof ConfigError) fail(`invalid configuration: ${error.message}`);
    throw error;
  }
}

async function main(): Promise<void> {
  const { config, secrets } = await configure();
  const app = await buildApp({ config, secrets, logLevel: config.logLevel });
  try {
    await app.listen({ port: config.port, host: config.host });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') fail(`port ${config.port} is already in use on ${config.host}`);
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND')
      fail(`HOST ${config.host} is not an address of this machine`);
    fail(`cannot listen on ${config.host}:${config.port}: ${reason(error)}`);
  }
  process.stdout.write(
    `todo-web: listening on ${config.baseUrl} (issuer ${config.issuer}, API ${config.apiUrl})\n`,
  );

  let stopping = false;
  const shutdown = (): void => {
    if (stopping) return;
    stopping = true;
    setTimeout(() => process.exit(1), SHUTDOWN_DEADLINE_MS).unref();
    // Keep-alive connections that fall idle once closing has begun would otherwise hold it open.
    setInterval(() => app.server.closeIdleConnections(), 100).unref();
    app.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}

main().catch((error: unknown) => fail(`start-up failed: ${reason(error)}`));
