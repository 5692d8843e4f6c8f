import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  AggregationTemporality,
  DataPointType,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { TestIssuer } from 'gatehouse-test-support/issuer';
import { createGatehouse, type Gatehouse } from '../../src/index.ts';
import { type Instrumentation, instrument } from '../../src/otel.ts';
import { makeDpopKey, makeProof } from '../helpers/dpop.ts';

const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });

interface Point {
  attributes: Record<string, unknown>;
  value: unknown;
}

describe('gatehouse-auth/otel: counters, histogram, gauges and span attributes from the channels', () => {
  let issuer: TestIssuer;
  let gh: Gatehouse;
  let instrumentation: Instrumentation;
  const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({
    exporter: metricExporter,
    exportIntervalMillis: 60_000,
  });
  const meterProvider = new MeterProvider({ readers: [reader] });
  const spanExporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spanExporter)] });
  const contextManager = new AsyncLocalStorageContextManager().enable();

  before(async () => {
    context.setGlobalContextManager(contextManager);
    issuer = await TestIssuer.start(['RS256']);
    gh = createGatehouse({ issuer: issuer.url, audience: issuer.audience, name: 'otel-idp' });
    instrumentation = instrument(gh, {
      meter: meterProvider.getMeter('test'),
      tracer: tracerProvider.getTracer('test'),
    });
  });
  after(async () => {
    instrumentation.stop();
    gh.close();
    await issuer.close();
    await meterProvider.shutdown();
    await tracerProvider.shutdown();
    context.disable();
  });

  /** Every data point of a metric, after a collection. */
  async function points(name: string): Promise<Point[]> {
    metricExporter.reset();
    await reader.forceFlush();
    const metric = metricExporter
      .getMetrics()
      .flatMap((rm) => rm.scopeMetrics)
      .flatMap((sm) => sm.metrics)
      .find((m) => m.descriptor.name === name);
    if (!metric) return [];
    return metric.dataPoints.map((p) => ({
      attributes: p.attributes,
      value:
        metric.dataPointType === DataPointType.HISTOGRAM ? (p.value as { count: number }).count : p.value,
    }));
  }

  /** Runs `work` inside a request span and returns the span's attributes once it ended. */
  async function inSpan(name: string, work: () => Promise<unknown>): Promise<Record<string, unknown>> {
    const span = tracerProvider.getTracer('test').startSpan(name);
    await context.with(trace.setSpan(context.active(), span), () => work().catch(() => {}));
    span.end();
    const finished = spanExporter.getFinishedSpans().find((s) => s.name === name);
    assert.ok(finished, `span ${name} was exported`);
    return finished.attributes;
  }

  it('counts refusals by code and issuer, and marks the request span', async () => {
    const good = await issuer.sign();
    const expired = await issuer.sign({ exp: Math.floor(Date.now() / 1000) - 3600 });
    const accepted = await inSpan('GET /accepted', () => gh.authenticate(bearer(good)));
    const refused = await inSpan('GET /refused', () => gh.authenticate(bearer(expired)));
    await inSpan('GET /garbage', () => gh.authenticate(bearer('garbage')));
    await inSpan('GET /garbage-2', () => gh.authenticate(bearer('garbage')));

    assert.equal(accepted['gatehouse.outcome'], 'accepted');
    assert.equal(accepted['gatehouse.issuer'], 'otel-idp');
    assert.equal(accepted['gatehouse.error_code'], undefined);
    assert.equal(refused['gatehouse.outcome'], 'refused');
    assert.equal(refused['gatehouse.error_code'], 'ERR_TOKEN_EXPIRED');
    for (const attributes of [accepted, refused]) {
      for (const value of Object.values(attributes)) {
        assert.ok(!String(value).includes('user-1') && !String(value).includes('0000000000a1'));
      }
    }

    const refusals = await points('gatehouse.refusals');
    const byCode = Object.fromEntries(refusals.map((p) => [String(p.attributes.code), p]));
    assert.equal(byCode.ERR_TOKEN_EXPIRED?.value, 1);
    assert.equal(byCode.ERR_TOKEN_EXPIRED?.attributes.issuer, 'otel-idp');
    assert.equal(byCode.ERR_TOKEN_MALFORMED?.value, 2);
    assert.equal(byCode.ERR_TOKEN_MALFORMED?.attributes.issuer, 'none');

    const durations = await points('gatehouse.verify.duration');
    const total = durations.reduce((sum, p) => sum + Number(p.value), 0);
    assert.equal(total, 4, 'one duration per judged token');
  });

  it('counts key fetches, records them as spans, and observes readiness and key count', async () => {
    const fetches = await points('gatehouse.key_fetches');
    const jwks = fetches.find((p) => p.attributes.resource === 'jwks');
    assert.deepEqual(jwks?.attributes, { issuer: 'otel-idp', resource: 'jwks', outcome: 'loaded' });
    assert.equal(jwks?.value, 1);
    const span = spanExporter.getFinishedSpans().find((s) => s.name === 'gatehouse.jwks.fetch');
    assert.equal(span?.attributes['gatehouse.key_count'], 1);

    assert.deepEqual(
      (await points('gatehouse.keys.ready')).map((p) => [p.attributes.issuer, p.value]),
      [['otel-idp', 1]],
    );
    assert.deepEqual(
      (await points('gatehouse.keys.count')).map((p) => p.value),
      [1],
    );
  });

  it('counts cache hits and misses', async () => {
    const token = await issuer.sign({ jti: 'otel-cache' });
    for (let i = 0; i < 3; i++) await gh.authenticate(bearer(token));
    const hits = await points('gatehouse.cache.hits');
    const misses = await points('gatehouse.cache.misses');
    assert.ok(Number(hits[0]?.value) >= 1, 'the third sight is a hit');
    assert.ok(Number(misses[0]?.value) >= 2);
  });

  it('counts DPoP requests: an acceptance and a replayed proof, each judged once', async () => {
    const key = await makeDpopKey('ES256');
    const token = await issuer.sign({ cnf: { jkt: key.jkt } });
    const proof = await makeProof(key, { method: 'GET', url: 'http://api.example.com/items', token });
    const request = {
      method: 'GET',
      url: '/items',
      headers: { authorization: `DPoP ${token}`, dpop: proof, host: 'api.example.com' },
    };
    const judged = async () =>
      (await points('gatehouse.verify.duration')).reduce((sum, p) => sum + Number(p.value), 0);
    const before = await judged();
    const accepted = await inSpan('GET /dpop', () => gh.authenticate(request));
    const replayed = await inSpan('GET /dpop-replayed', () => gh.authenticate(request));

    assert.equal(accepted['gatehouse.outcome'], 'accepted');
    assert.equal(replayed['gatehouse.outcome'], 'refused');
    assert.equal(replayed['gatehouse.error_code'], 'ERR_DPOP_PROOF_REPLAY');
    const replays = (await points('gatehouse.refusals')).find(
      (p) => p.attributes.code === 'ERR_DPOP_PROOF_REPLAY',
    );
    assert.deepEqual(replays?.attributes, {
      code: 'ERR_DPOP_PROOF_REPLAY',
      issuer: 'otel-idp',
      stage: 'authenticate',
    });
    assert.equal(replays?.value, 1);
    assert.equal((await judged()) - before, 2, 'one duration per DPoP request');
  });

  it('stop() unsubscribes: later refusals are not counted', async () => {
    const before = (await points('gatehouse.refusals')).find(
      (p) => p.attributes.code === 'ERR_TOKEN_MALFORMED',
    );
    instrumentation.stop();
    await gh.authenticate(bearer('garbage')).catch(() => {});
    const later = (await points('gatehouse.refusals')).find(
      (p) => p.attributes.code === 'ERR_TOKEN_MALFORMED',
    );
    assert.equal(later?.value, before?.value);
    instrumentation = instrument(undefined, { meter: meterProvider.getMeter('test-2') });
  });
});
