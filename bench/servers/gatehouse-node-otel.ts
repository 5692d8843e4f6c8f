/**
 * `gatehouse-node` with the `gatehouse-auth/otel` integration: `instrument(gatehouse)` on an
 * OpenTelemetry SDK MeterProvider whose reader exports to memory every 5 s, as an application
 * exporting metrics would (the export itself is a few instruments: its cost is in the row too). No tracer provider
 * and no HTTP instrumentation: key fetches (the only spans) do not happen under load, and without
 * an active server span the per-request span attributes are one lookup that finds none.
 */
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { type Instrumentation, instrument } from 'gatehouse-auth/otel';
import type { StartServer } from '../lib/protocol.ts';
import { startGatehouseNode } from './gatehouse-node.ts';

export const start: StartServer = async (config) => {
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const provider = new MeterProvider({
    readers: [new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 5000 })],
  });
  let instrumentation: Instrumentation | undefined;
  // With the Gatehouse given, the key and cache gauges are observed at each export too.
  const started = await startGatehouseNode(config, (gh) => {
    instrumentation = instrument(gh, { meter: provider.getMeter('gatehouse-auth') });
  });
  return {
    port: started.port,
    close: async () => {
      await started.close();
      instrumentation?.stop();
      await provider.shutdown();
    },
  };
};
