/**
 * `/metrics` in the Prometheus text format (version 0.0.4), built from Gatehouse's diagnostics
 * channels and its status, served on a listener of its own.
 *
 * Off unless `METRICS_PORT` is set, and then bound to loopback unless `METRICS_HOST` says
 * otherwise. Not a route of the API: the API's port is the one exposed to clients, and refusal
 * rates by code, issuer names and key-fetch failures are reconnaissance for an attacker; a
 * separate port keeps the scrape off the public listener (no auth, CORS or rate limit to carve
 * out), and a firewall or network policy can treat the two ports differently.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { createServer, type Server } from 'node:http';
import { isIP } from 'node:net';
import {
  type CacheEvent,
  DIAGNOSTICS_CHANNELS,
  type Gatehouse,
  type KeysEvent,
  type VerifyEvent,
} from 'gatehouse-auth';
import { ConfigError } from './config-error.ts';

export interface MetricsConfig {
  port: number;
  host: string;
}

type Env = Record<string, string | undefined>;

/** `METRICS_PORT` (unset: no metrics) and `METRICS_HOST` (127.0.0.1); throws `ConfigError`. */
export function loadMetricsConfig(env: Env, apiPort: number): MetricsConfig | undefined {
  const rawPort = env.METRICS_PORT?.trim();
  const rawHost = env.METRICS_HOST?.trim();
  if (!rawPort) {
    if (rawHost) throw new ConfigError('METRICS_HOST', 'is set but METRICS_PORT is not (metrics are off)');
    return undefined;
  }
  if (!/^\d+$/.test(rawPort) || Number(rawPort) > 65535)
    throw new ConfigError('METRICS_PORT', `must be a port number (0-65535), got ${JSON.stringify(rawPort)}`);
  const port = Number(rawPort);
  if (port !== 0 && port === apiPort)
    throw new ConfigError('METRICS_PORT', 'must differ from PORT: metrics are never served on the API port');
  const host = rawHost || '127.0.0.1';
  if (host !== 'localhost' && isIP(host.replace(/^\[|\]$/g, '')) === 0)
    throw new ConfigError('METRICS_HOST', `must be an IP address or localhost, got ${JSON.stringify(host)}`);
  return { port, host: host.replace(/^\[|\]$/g, '') };
}

/** Upper bounds of the verification-time histogram, in seconds. */
const BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

interface Histogram {
  counts: number[];
  sum: number;
  count: number;
}

/** Label values go between double quotes: backslash, quote and newline are escaped. */
function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function labels(pairs: Record<string, string>): string {
  const text = Object.entries(pairs)
    .map(([name, value]) => `${name}="${escapeLabel(value)}"`)
    .join(',');
  return text ? `{${text}}` : '';
}

/** Counters keyed by their label set, rendered in first-seen order. */
class LabelledCounter {
  readonly #values = new Map<string, { labels: Record<string, string>; value: number }>();
  inc(pairs: Record<string, string>): void {
    const key = labels(pairs);
    const entry = this.#values.get(key);
    if (entry) entry.value++;
    else this.#values.set(key, { labels: pairs, value: 1 });
  }
  lines(name: string): string[] {
    return [...this.#values.values()].map((e) => `${name}${labels(e.labels)} ${e.value}`);
  }
}

/** Gatehouse's metrics for one process, counted from the diagnostics channels. */
export class GatehouseMetrics {
  readonly #gatehouse: Gatehouse;
  readonly #refusals = new LabelledCounter();
  readonly #verifications = new LabelledCounter();
  readonly #keyFetches = new LabelledCounter();
  readonly #cache = new LabelledCounter();
  readonly #durations = new Map<string, { labels: Record<string, string>; histogram: Histogram }>();

  readonly #onVerify = (message: unknown): void => {
    const event = message as VerifyEvent;
    const issuer = event.issuer ?? 'none';
    if (event.outcome !== 'accepted') {
      this.#refusals.inc({ code: event.code ?? 'ERR_INTERNAL', issuer, stage: event.stage });
    }
    if (event.stage !== 'authenticate') return;
    this.#verifications.inc({ outcome: event.outcome, issuer });
    this.#observe({ outcome: event.outcome }, event.durationMs / 1000);
  };

  readonly #onKeys = (message: unknown): void => {
    const event = message as KeysEvent;
    this.#keyFetches.inc({ issuer: event.issuer, resource: event.resource, outcome: event.outcome });
  };

  readonly #onCache = (message: unknown): void => {
    this.#cache.inc({ result: (message as CacheEvent).result });
  };

  constructor(gatehouse: Gatehouse) {
    this.#gatehouse = gatehouse;
    subscribe(DIAGNOSTICS_CHANNELS.verify, this.#onVerify);
    subscribe(DIAGNOSTICS_CHANNELS.keys, this.#onKeys);
    subscribe(DIAGNOSTICS_CHANNELS.cache, this.#onCache);
  }

  stop(): void {
    unsubscribe(DIAGNOSTICS_CHANNELS.verify, this.#onVerify);
    unsubscribe(DIAGNOSTICS_CHANNELS.keys, this.#onKeys);
    unsubscribe(DIAGNOSTICS_CHANNELS.cache, this.#onCache);
  }

  #observe(pairs: Record<string, string>, seconds: number): void {
    const key = labels(pairs);
    let entry = this.#durations.get(key);
    if (!entry) {
      entry = { labels: pairs, histogram: { counts: BUCKETS.map(() => 0), sum: 0, count: 0 } };
      this.#durations.set(key, entry);
    }
    const { histogram } = entry;
    for (let i = 0; i < BUCKETS.length; i++) if (seconds <= BUCKETS[i]!) histogram.counts[i]!++;
    histogram.sum += seconds;
    histogram.count++;
  }

  /** The exposition: HELP and TYPE for every family, then its samples. */
  render(): string {
    const out: string[] = [];
    const family = (name: string, type: string, help: string, samples: string[]): void => {
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, ...samples);
    };
    family(
      'gatehouse_refusals_total',
      'counter',
      'Requests refused by Gatehouse, by error code, issuer (none when no trusted issuer took the token) and stage.',
      this.#refusals.lines('gatehouse_refusals_total'),
    );
    family(
      'gatehouse_verifications_total',
      'counter',
      'Bearer tokens judged, by outcome and issuer.',
      this.#verifications.lines('gatehouse_verifications_total'),
    );
    const durations: string[] = [];
    for (const { labels: pairs, histogram } of this.#durations.values()) {
      BUCKETS.forEach((le, i) => {
        durations.push(
          `gatehouse_verify_duration_seconds_bucket${labels({ ...pairs, le: String(le) })} ${histogram.counts[i]}`,
        );
      });
      durations.push(
        `gatehouse_verify_duration_seconds_bucket${labels({ ...pairs, le: '+Inf' })} ${histogram.count}`,
        `gatehouse_verify_duration_seconds_sum${labels(pairs)} ${histogram.sum}`,
        `gatehouse_verify_duration_seconds_count${labels(pairs)} ${histogram.count}`,
      );
    }
    family('gatehouse_verify_duration_seconds', 'histogram', 'Time to judge a bearer token.', durations);
    family(
      'gatehouse_key_fetches_total',
      'counter',
      'Fetches of issuer metadata and signing key sets, by issuer, resource and outcome.',
      this.#keyFetches.lines('gatehouse_key_fetches_total'),
    );
    family(
      'gatehouse_cache_lookups_total',
      'counter',
      'Verified-token cache lookups, by result (hit or miss).',
      this.#cache.lines('gatehouse_cache_lookups_total'),
    );
    const status = this.#gatehouse.status();
    family(
      'gatehouse_keys_ready',
      'gauge',
      '1 once the issuer signing keys are loaded, else 0.',
      status.issuers.map((i) => `gatehouse_keys_ready${labels({ issuer: i.name })} ${i.ready ? 1 : 0}`),
    );
    family(
      'gatehouse_keys',
      'gauge',
      'Usable signing keys in the issuer key set.',
      status.issuers.map((i) => `gatehouse_keys${labels({ issuer: i.name })} ${i.keyCount}`),
    );
    return `${out.join('\n')}\n`;
  }
}

/** Serves `GET /metrics` (and nothing else) on its own listener. */
export async function startMetricsServer(metrics: GatehouseMetrics, config: MetricsConfig): Promise<Server> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }).end();
      return;
    }
    const body = metrics.render();
    res.writeHead(200, {
      'content-type': 'text/plain; version=0.0.4; charset=utf-8',
      'cache-control': 'no-store',
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  // Scrapes are short: an idle scraper connection must not hold shutdown up.
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}
