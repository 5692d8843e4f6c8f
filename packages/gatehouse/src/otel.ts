/**
 * OpenTelemetry metrics and span attributes from Gatehouse's diagnostics channels. The only module
 * of the package that imports `@opentelemetry/api` (an optional peer dependency): applications
 * that do not import `gatehouse-auth/otel` never load it.
 */

import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import {
  type Attributes,
  type BatchObservableResult,
  type Meter,
  metrics,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import {
  type CacheEvent,
  DIAGNOSTICS_CHANNELS,
  type KeysEvent,
  type VerifyEvent,
} from './core/diagnostics.ts';
import type { Gatehouse } from './core/gatehouse.ts';

export type { CacheEvent, KeysEvent, VerifyEvent } from './core/diagnostics.ts';
export { DIAGNOSTICS_CHANNELS } from './core/diagnostics.ts';

export interface InstrumentOptions {
  /** Where the instruments are created. @default metrics.getMeter('gatehouse-auth') */
  meter?: Meter;
  /** Records each metadata or key-set fetch as a span. @default trace.getTracer('gatehouse-auth') */
  tracer?: Tracer;
  /**
   * Sets `gatehouse.outcome`, `gatehouse.error_code` and `gatehouse.issuer` on the span active
   * when a request is judged (the HTTP server span of your instrumentation). @default true
   */
  spanAttributes?: boolean;
  /** Records key fetches as spans. @default true */
  keySpans?: boolean;
}

export interface Instrumentation {
  /** Unsubscribes from the channels and removes the observable gauges' callback. */
  stop(): void;
}

const SCOPE = 'gatehouse-auth';

/**
 * Subscribes to the diagnostics channels and records:
 * - `gatehouse.refusals` {code, issuer, stage}: refused requests and tokens;
 * - `gatehouse.verify.duration` (s) {outcome, issuer, cached}: time to judge a token;
 * - `gatehouse.key_fetches` {issuer, resource, outcome}: metadata and key-set fetches;
 * - `gatehouse.cache.hits`, `gatehouse.cache.misses`: verified-token cache lookups;
 * - with `gatehouse` given, the gauges `gatehouse.keys.ready` and `gatehouse.keys.count` {issuer}
 *   and `gatehouse.cache.size`.
 * The channels are process-wide: events of every Gatehouse in the process are counted.
 * No instrument carries a user's identifier.
 */
export function instrument(gatehouse?: Gatehouse, options: InstrumentOptions = {}): Instrumentation {
  const meter = options.meter ?? metrics.getMeter(SCOPE);
  const tracer = options.tracer ?? trace.getTracer(SCOPE);
  const spanAttributes = options.spanAttributes !== false;
  const keySpans = options.keySpans !== false;

  const refusals = meter.createCounter('gatehouse.refusals', {
    description: 'Requests or tokens refused, by error code and issuer',
  });
  const duration = meter.createHistogram('gatehouse.verify.duration', {
    description: 'Time to judge a bearer token',
    unit: 's',
  });
  const keyFetches = meter.createCounter('gatehouse.key_fetches', {
    description: 'Fetches of issuer metadata and key sets, by outcome',
  });
  const cacheHits = meter.createCounter('gatehouse.cache.hits', {
    description: 'Verified-token cache lookups that found the token',
  });
  const cacheMisses = meter.createCounter('gatehouse.cache.misses', {
    description: 'Verified-token cache lookups that did not',
  });

  const onVerify = (message: unknown): void => {
    const event = message as VerifyEvent;
    const issuer = event.issuer ?? 'none';
    if (event.outcome !== 'accepted') {
      refusals.add(1, { code: event.code ?? 'ERR_INTERNAL', issuer, stage: event.stage });
    }
    if (event.stage === 'authenticate') {
      duration.record(event.durationMs / 1000, {
        outcome: event.outcome,
        issuer,
        cached: event.cached,
      });
    }
    if (spanAttributes) {
      const span = trace.getActiveSpan();
      if (span !== undefined) {
        const attributes: Attributes = { 'gatehouse.outcome': event.outcome };
        if (event.code !== undefined) attributes['gatehouse.error_code'] = event.code;
        if (event.issuer !== undefined) attributes['gatehouse.issuer'] = event.issuer;
        span.setAttributes(attributes);
      }
    }
  };

  const onKeys = (message: unknown): void => {
    const event = message as KeysEvent;
    keyFetches.add(1, { issuer: event.issuer, resource: event.resource, outcome: event.outcome });
    if (keySpans) {
      const end = performance.timeOrigin + performance.now();
      const attributes: Attributes = {
        'gatehouse.issuer': event.issuer,
        'gatehouse.resource': event.resource,
        'gatehouse.outcome': event.outcome,
      };
      if (event.error !== undefined) attributes['gatehouse.error_code'] = event.error;
      if (event.keyCount !== undefined) attributes['gatehouse.key_count'] = event.keyCount;
      // The event comes when the fetch has ended: the span is drawn over the time it took.
      const span = tracer.startSpan(`gatehouse.${event.resource}.fetch`, {
        startTime: end - event.durationMs,
        attributes,
        root: true,
      });
      if (event.outcome === 'failed') span.setStatus({ code: SpanStatusCode.ERROR });
      span.end(end);
    }
  };

  const onCache = (message: unknown): void => {
    if ((message as CacheEvent).result === 'hit') cacheHits.add(1);
    else cacheMisses.add(1);
  };

  subscribe(DIAGNOSTICS_CHANNELS.verify, onVerify);
  subscribe(DIAGNOSTICS_CHANNELS.keys, onKeys);
  subscribe(DIAGNOSTICS_CHANNELS.cache, onCache);

  let stopGauges = (): void => {};
  if (gatehouse !== undefined) {
    const ready = meter.createObservableGauge('gatehouse.keys.ready', {
      description: '1 once the issuer signing keys are loaded, else 0',
    });
    const keyCount = meter.createObservableGauge('gatehouse.keys.count', {
      description: 'Usable signing keys of the issuer',
    });
    const cacheSize = meter.createObservableGauge('gatehouse.cache.size', {
      description: 'Tokens held by the verified-token cache',
    });
    const observe = (result: BatchObservableResult): void => {
      for (const issuer of gatehouse.status().issuers) {
        result.observe(ready, issuer.ready ? 1 : 0, { issuer: issuer.name });
        result.observe(keyCount, issuer.keyCount, { issuer: issuer.name });
      }
      const stats = gatehouse.cacheStats();
      if (stats !== undefined) result.observe(cacheSize, stats.size);
    };
    meter.addBatchObservableCallback(observe, [ready, keyCount, cacheSize]);
    stopGauges = () => meter.removeBatchObservableCallback(observe, [ready, keyCount, cacheSize]);
  }

  return {
    stop() {
      unsubscribe(DIAGNOSTICS_CHANNELS.verify, onVerify);
      unsubscribe(DIAGNOSTICS_CHANNELS.keys, onKeys);
      unsubscribe(DIAGNOSTICS_CHANNELS.cache, onCache);
      stopGauges();
    },
  };
}
