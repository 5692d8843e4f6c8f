/**
 * Public service routes: liveness, readiness, the OpenAPI document and RFC 9728 protected
 * resource metadata.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { type Gatehouse, senderConstraintMetadata } from 'gatehouse-auth';
import type { Config } from '../config.ts';
import { DOCS_PREFIX, withSecurity } from '../openapi.ts';
import { SCOPE_DESCRIPTIONS } from '../permissions.ts';
import { PROBLEM_CONTENT_TYPE, problem } from '../problems.ts';
import type { RateLimitStatus } from '../rate-limit-redis.ts';
import type { TodoStore } from '../store/types.ts';

export interface MetaRoutesOptions {
  config: Config;
  store: TodoStore;
  gatehouse: Gatehouse;
  /** Reported under `checks.rateLimit`; it never makes the instance unready. */
  rateLimitStatus: () => RateLimitStatus;
}

const STORE_TIMEOUT_MS = 2000;

async function checkStore(store: TodoStore): Promise<{ ok: boolean; error?: string }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${STORE_TIMEOUT_MS} ms`)), STORE_TIMEOUT_MS);
  });
  try {
    await Promise.race([store.ping(), timeout]);
    return { ok: true };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  } finally {
    clearTimeout(timer);
  }
}

/** The URL clients reach this API at: `PUBLIC_URL`, else what the request was sent to. */
export function baseUrl(config: Config, request: FastifyRequest): string {
  return config.publicUrl ?? `${request.protocol}://${request.host}`;
}

export async function metaRoutes(app: FastifyInstance, options: MetaRoutesOptions): Promise<void> {
  const { config, store, gatehouse, rateLimitStatus } = options;
  const meta = { tags: ['meta'] };
  // Probes, documents and metadata are for anyone; every other route needs a token by default.
  const open = { gatehouse: { public: true } } as const;
  const hidden = { config: open, schema: { hide: true } };

  app.get(
    '/health',
    { config: open, schema: { ...meta, summary: 'Liveness: 200 while the process serves' } },
    async () => ({
      status: 'ok',
    }),
  );

  // Probes are unauthenticated: they answer with generic reasons, and the detail (URLs, driver
  // errors) goes to the log, once per change rather than once per probe.
  let lastLogged = '';
  app.get(
    '/ready',
    {
      config: open,
      schema: { ...meta, summary: 'Readiness: store answers and signing keys are loaded' },
    },
    async (request, reply) => {
      const storeCheck = await checkStore(store);
      const keys = gatehouse.status();
      const checks = {
        store: storeCheck.ok ? { ok: true } : { ok: false, reason: 'the store does not answer' },
        keys: {
          ok: keys.ready,
          keysLoadedAt: keys.keysLoadedAt,
          keyCount: keys.keyCount,
          ...(keys.ready ? {} : { reason: 'signing keys are not loaded' }),
        },
        rateLimit: rateLimitStatus(),
      };
      reply.header('cache-control', 'no-store');
      if (storeCheck.ok && keys.ready) {
        lastLogged = '';
        return { status: 'ready', checks };
      }
      const detail = { store: storeCheck.error, keys: keys.lastError, issuer: keys.issuer };
      if (JSON.stringify(detail) !== lastLogged) {
        lastLogged = JSON.stringify(detail);
        request.log.warn(detail, 'not ready');
      }
      const failing = Object.entries(checks)
        .filter(([, check]) => !check.ok)
        .map(([name]) => name);
      return reply
        .code(503)
        .header('retry-after', '5')
        .type(PROBLEM_CONTENT_TYPE)
        .send({ ...problem(503, 'ERR_NOT_READY', `Not ready: ${failing.join(', ')}`), checks });
    },
  );

  app.get('/openapi.json', hidden, async () =>
    withSecurity(app.swagger() as unknown as Record<string, unknown>, config, gatehouse),
  );

  // RFC 9728 §3: the metadata of a resource identifier with a path lives under the well-known
  // path followed by that path; §3.3: `resource` must equal the identifier the client started from.
  const resourcePath = config.publicUrl ? new URL(config.publicUrl).pathname.replace(/\/+$/, '') : '';
  const metadataPaths = ['/.well-known/oauth-protected-resource'];
  if (resourcePath !== '') metadataPaths.push(`/.well-known/oauth-protected-resource${resourcePath}`);
  for (const path of metadataPaths) {
    app.get(path, hidden, async (request, reply) => {
      const base = baseUrl(config, request);
      const issuer = gatehouse.status().issuer ?? config.auth.issuer;
      if (config.publicUrl) {
        reply.header('cache-control', 'public, max-age=300');
      } else {
        // Built from the request's Host (and forwarded headers when a proxy is trusted): a
        // shared cache must never hand one client's forged host to everyone else.
        reply.header('cache-control', 'no-store');
        reply.header('vary', 'Host, X-Forwarded-Host, X-Forwarded-Proto');
      }
      return {
        resource: base,
        authorization_servers: issuer ? [issuer] : [],
        scopes_supported: Object.keys(SCOPE_DESCRIPTIONS),
        bearer_methods_supported: ['header'],
        resource_name: 'To-do API',
        resource_documentation: `${base}${DOCS_PREFIX}`,
        // DPoP as AUTH_DPOP says; certificate-bound tokens when it serves TLS or a proxy forwards certificates.
        ...senderConstraintMetadata(gatehouse, config.tls !== undefined || config.mtls !== undefined),
      };
    });
  }
}
