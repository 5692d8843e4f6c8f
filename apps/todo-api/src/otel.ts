/**
 * OpenTelemetry for the API's Gatehouse: when the process runs with an OpenTelemetry SDK (started
 * by a preload such as `node --require @opentelemetry/auto-instrumentations-node/register`, which
 * reads the standard `OTEL_*` variables), `gatehouse-auth/otel` records Gatehouse's metrics and
 * span attributes through it. Loaded only then: without those variables nothing subscribes.
 */
import type { Gatehouse } from 'gatehouse-auth';

type Env = Record<string, string | undefined>;

// The variables an operator sets for any OpenTelemetry SDK; one of them means "export telemetry".
const OTEL_VARIABLES = [
  'OTEL_EXPORTER_OTLP_ENDPOINT',
  'OTEL_EXPORTER_OTLP_METRICS_ENDPOINT',
  'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
  'OTEL_METRICS_EXPORTER',
  'OTEL_TRACES_EXPORTER',
  'OTEL_SERVICE_NAME',
] as const;

/** True when a standard `OTEL_*` variable asks for telemetry and `OTEL_SDK_DISABLED` does not forbid it. */
export function openTelemetryRequested(env: Env): boolean {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return false;
  return OTEL_VARIABLES.some((name) => (env[name]?.trim() ?? '') !== '');
}

interface Log {
  info(object: object, message: string): void;
  warn(object: object, message: string): void;
}

/** Instruments `gatehouse` with the global meter and tracer; returns a stop function, or undefined when it cannot. */
export async function instrumentOpenTelemetry(
  gatehouse: Gatehouse,
  logger: Log,
): Promise<(() => void) | undefined> {
  try {
    const { instrument } = await import('gatehouse-auth/otel');
    const instrumentation = instrument(gatehouse);
    logger.info(
      { otel: 'gatehouse-auth/otel' },
      'OpenTelemetry: Gatehouse metrics and span attributes go to the global meter and tracer (the SDK preload exports them)',
    );
    return () => instrumentation.stop();
  } catch (error) {
    logger.warn(
      { otel: 'gatehouse-auth/otel', error: error instanceof Error ? error.message : String(error) },
      'OpenTelemetry requested by OTEL_* but @opentelemetry/api could not be loaded; continuing without it',
    );
    return undefined;
  }
}
