/** Builds the real app (real Gatehouse, SQLite or a given store) against a local test issuer. */
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { createGatehouse, type Gatehouse } from 'gatehouse-auth';
import { buildApp } from '../../src/app.ts';
import { type Config, loadConfig } from '../../src/config.ts';
import { type DpopReplay, dpopOptions } from '../../src/dpop.ts';
import type { RateLimitBackend } from '../../src/rate-limit-redis.ts';
import { SqliteTodoStore } from '../../src/store/sqlite.ts';
import type { TodoStore } from '../../src/store/types.ts';
import { startTestIssuer, type TestIssuer } from './issuer.ts';

export interface TestApp {
  app: FastifyInstance;
  store: TodoStore;
  issuer: TestIssuer;
  gatehouse: Gatehouse;
  config: Config;
  close(): Promise<void>;
}

export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export interface TestAppOptions {
  /** The issuer is unreachable from the start, so signing keys never load. */
  issuerDown?: boolean;
  /** An issuer shared with other apps (left open by `close()`); a new one when absent. */
  issuer?: TestIssuer;
  /** The store to serve (closed by `close()`); SQLite in memory when absent. */
  store?: TodoStore;
  /** Shared rate-limit state (closed by `close()`). */
  rateLimit?: RateLimitBackend;
  logger?: FastifyBaseLogger;
  /** DPoP replay records shared with other apps (closed by `close()`); in memory when absent. */
  dpopReplay?: DpopReplay;
}

export async function makeTestApp(
  env: Record<string, string> = {},
  options: TestAppOptions = {},
): Promise<TestApp> {
  const ownIssuer = options.issuer === undefined;
  const issuer = options.issuer ?? (await startTestIssuer());
  if (options.issuerDown) await issuer.close();
  const closeIssuer = ownIssuer && !options.issuerDown;
  const config = loadConfig({
    AUTH_ISSUER: issuer.issuer,
    DATABASE_URL: 'sqlite::memory:',
    RATE_LIMIT: 'off',
    ...env,
  });
  const store = options.store ?? new SqliteTodoStore({ path: ':memory:' });
  const gatehouse = createGatehouse({
    issuer: issuer.issuer,
    audience: config.auth.audience,
    dpop: dpopOptions(config, options.dpopReplay),
  });
  const { rateLimit, logger } = options;
  let built: FastifyInstance | undefined;
  try {
    built = await buildApp({
      config,
      store,
      gatehouse,
      ...(rateLimit ? { rateLimit } : {}),
      ...(logger ? { logger } : {}),
    });
    await built.ready();
    gatehouse.start();
    if (!options.issuerDown) await waitFor(() => gatehouse.ready);
  } catch (error) {
    // Leave nothing open, so a failed set-up fails the test instead of hanging the run.
    await built?.close();
    gatehouse.close();
    await store.close();
    await rateLimit?.close();
    if (closeIssuer) await issuer.close();
    throw error;
  }
  const app = built;
  return {
    app,
    store,
    issuer,
    gatehouse,
    config,
    close: async () => {
      await app.close();
      gatehouse.close();
      await store.close();
      await rateLimit?.close();
      await options.dpopReplay?.close();
      if (closeIssuer) await issuer.close();
    },
  };
}

export function bearer(token: string): { authorization: string } {
  return { authorization: `Bearer ${token}` };
}
