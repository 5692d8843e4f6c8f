import assert from 'node:assert/strict';
import { channel } from 'node:diagnostics_channel';
import { describe, it } from 'node:test';
import { createGatehouse, DIAGNOSTICS_CHANNELS, type VerifyEvent } from 'gatehouse-auth';
import { ConfigError } from '../src/config-error.ts';
import { GatehouseMetrics, loadMetricsConfig } from '../src/metrics.ts';

describe('METRICS_PORT / METRICS_HOST', () => {
  it('is off unless METRICS_PORT is set, and loopback unless METRICS_HOST says otherwise', () => {
    assert.equal(loadMetricsConfig({}, 3000), undefined);
    assert.deepEqual(loadMetricsConfig({ METRICS_PORT: '9464' }, 3000), { port: 9464, host: '127.0.0.1' });
    assert.deepEqual(loadMetricsConfig({ METRICS_PORT: '9464', METRICS_HOST: '[::1]' }, 3000), {
      port: 9464,
      host: '::1',
    });
  });

  for (const [env, variable] of [
    [{ METRICS_PORT: 'x' }, 'METRICS_PORT'],
    [{ METRICS_PORT: '70000' }, 'METRICS_PORT'],
    [{ METRICS_PORT: '3000' }, 'METRICS_PORT'],
    [{ METRICS_HOST: '0.0.0.0' }, 'METRICS_HOST'],
    [{ METRICS_PORT: '9464', METRICS_HOST: 'metrics.example' }, 'METRICS_HOST'],
  ] as const) {
    it(`refuses ${JSON.stringify(env)}, naming ${variable}`, () => {
      assert.throws(
        () => loadMetricsConfig(env, 3000),
        (error: unknown) => error instanceof ConfigError && error.variable === variable,
      );
    });
  }
});

describe('GatehouseMetrics exposition', () => {
  it('escapes label values, so a configured issuer name cannot break the format', () => {
    const gh = createGatehouse({ issuer: 'https://issuer.example', audience: 'api://todo', name: 'a"b\\c' });
    const metrics = new GatehouseMetrics(gh);
    try {
      const event: VerifyEvent = {
        outcome: 'refused',
        stage: 'authenticate',
        code: 'ERR_TOKEN_SIGNATURE',
        status: 401,
        issuer: 'x"y\nz',
        cached: false,
        durationMs: 0.2,
      };
      channel(DIAGNOSTICS_CHANNELS.verify).publish(event);
      const text = metrics.render();
      assert.match(
        text,
        /^gatehouse_refusals_total\{code="ERR_TOKEN_SIGNATURE",issuer="x\\"y\\nz",stage="authenticate"\} 1$/m,
      );
      assert.match(text, /^gatehouse_keys_ready\{issuer="a\\"b\\\\c"\} 0$/m);
      assert.match(text, /^gatehouse_verify_duration_seconds_bucket\{outcome="refused",le="0.00025"\} 1$/m);
      assert.match(text, /^gatehouse_verify_duration_seconds_bucket\{outcome="refused",le="0.0001"\} 0$/m);
    } finally {
      metrics.stop();
      gh.close();
    }
  });
});
