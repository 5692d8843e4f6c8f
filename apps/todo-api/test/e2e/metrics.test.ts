/** `/metrics` of the real API process: its own loopback port, Prometheus text, refusals by code. */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freePortBlock } from 'gatehouse-test-support/ports';
import { tempDir } from 'gatehouse-test-support/temp';
import { startTestIssuer, type TestIssuer } from '../helpers/issuer.ts';
import { http, type RunningProcess, run, waitUntil } from '../helpers/processes.ts';

/** The value of the sample with exactly these labels, or undefined. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  const wanted = Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .sort();
  for (const line of text.split('\n')) {
    const match = /^([a-z_]+)\{(.*)\} (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const have = (match[2] ?? '').split(/,(?=[a-z_]+=")/).sort();
    if (JSON.stringify(have) === JSON.stringify(wanted)) return Number(match[3]);
  }
  return undefined;
}

describe('todo-api /metrics (METRICS_PORT)', () => {
  const work = tempDir('todo-metrics-');
  let issuer: TestIssuer;
  let proc: RunningProcess;
  let api = '';
  let metricsUrl = '';

  before(async () => {
    issuer = await startTestIssuer();
    const port = await freePortBlock();
    api = `http://127.0.0.1:${port}`;
    metricsUrl = `http://127.0.0.1:${port + 2}/metrics`;
    proc = run(['scripts/start.ts'], {
      PORT: String(port),
      AUTH_ISSUER: issuer.issuer,
      DATABASE_URL: `sqlite:${join(work.path, 'todos.db')}`,
      METRICS_PORT: String(port + 2),
      LOG_LEVEL: 'warn',
    });
    await waitUntil(async () => {
      if (proc.exitCode() !== null) throw new Error(`the API exited:\n${proc.output()}`);
      return (await fetch(`${api}/ready`)).ok;
    }, 'the API');
  });
  after(async () => {
    await proc?.stop();
    proc?.killGroup();
    await issuer?.close();
    work.remove();
  });

  it('counts a burst of bad tokens by code, and the key fetch, in Prometheus text', async () => {
    const expired = await issuer.userToken('alice', undefined, { exp: Math.floor(Date.now() / 1000) - 3600 });
    const otherAudience = await issuer.userToken('alice', undefined, { aud: 'api://other' });
    const good = await issuer.userToken('alice');
    const answers = await Promise.all([
      ...Array.from({ length: 12 }, () => http('GET', `${api}/api/todos`, { token: 'not.a.token' })),
      ...Array.from({ length: 7 }, () => http('GET', `${api}/api/todos`, { token: expired })),
      ...Array.from({ length: 3 }, () => http('GET', `${api}/api/todos`, { token: otherAudience })),
      http('GET', `${api}/api/todos`, { token: good }),
    ]);
    assert.deepEqual(
      answers.map((a) => a.status),
      [...Array(22).fill(401), 200],
    );

    const response = await fetch(metricsUrl);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
    const text = await response.text();

    const refusals = (code: string, issuerName: string) =>
      sample(text, 'gatehouse_refusals_total', { code, issuer: issuerName, stage: 'authenticate' });
    assert.equal(refusals('ERR_TOKEN_MALFORMED', 'none'), 12);
    assert.equal(refusals('ERR_TOKEN_EXPIRED', issuer.issuer), 7);
    assert.equal(refusals('ERR_TOKEN_AUDIENCE', issuer.issuer), 3);
    assert.equal(
      sample(text, 'gatehouse_key_fetches_total', {
        issuer: issuer.issuer,
        resource: 'jwks',
        outcome: 'loaded',
      }),
      1,
    );
    assert.equal(sample(text, 'gatehouse_keys_ready', { issuer: issuer.issuer }), 1);
    assert.equal(
      sample(text, 'gatehouse_verifications_total', { outcome: 'accepted', issuer: issuer.issuer }),
      1,
    );
    assert.ok(
      (sample(text, 'gatehouse_verify_duration_seconds_count', { outcome: 'refused' }) ?? 0) >= 22,
      'every judged token is timed',
    );

    // Every line is a comment or a well-formed sample; no token text is ever exposed.
    for (const line of text.trimEnd().split('\n')) {
      assert.match(
        line,
        /^(# (HELP|TYPE) [a-z_]+ .+|[a-z_]+(\{[^}]*\})? [0-9.e+-]+|[a-z_]+\{[^}]*\} \+Inf)$/,
        line,
      );
    }
    for (const secret of [expired, otherAudience, good, 'not.a.token', 'alice']) {
      assert.ok(!text.includes(secret), 'the exposition quotes no token or user');
    }
  });

  it('is not served on the API port', async () => {
    const answer = await http('GET', `${api}/metrics`);
    assert.notEqual(answer.status, 200);
    assert.equal(
      (await fetch(metricsUrl.replace('/metrics', '/other'))).status,
      404,
      'the metrics listener serves /metrics only',
    );
  });
});

describe('todo-api metrics configuration', () => {
  it('METRICS_PORT equal to PORT stops start-up with one line naming the variable', async () => {
    const port = await freePortBlock();
    const proc = run(['scripts/start.ts'], {
      PORT: String(port),
      AUTH_ISSUER: 'http://127.0.0.1:9',
      DATABASE_URL: 'sqlite::memory:',
      METRICS_PORT: String(port),
    });
    try {
      assert.equal(await proc.exited, 1);
      assert.match(proc.output(), /METRICS_PORT must differ from PORT/);
      await assert.rejects(fetch(`http://127.0.0.1:${port}/health`), 'nothing listens');
    } finally {
      proc.killGroup();
    }
  });
});

describe('todo-api with the standard OTEL_* variables and an SDK preload', () => {
  it('records gatehouse.refusals by code through the global meter provider', async () => {
    const work = tempDir('todo-otel-');
    const issuer = await startTestIssuer();
    const port = await freePortBlock();
    const api = `http://127.0.0.1:${port}`;
    const out = join(work.path, 'metrics.jsonl');
    const preload = resolve(import.meta.dirname, '../fixtures/otel-preload.ts');
    const proc = run(['--import', preload, 'scripts/start.ts'], {
      PORT: String(port),
      AUTH_ISSUER: issuer.issuer,
      DATABASE_URL: `sqlite:${join(work.path, 'todos.db')}`,
      OTEL_SERVICE_NAME: 'todo-api-test',
      OTEL_TEST_OUT: out,
    });
    try {
      await waitUntil(async () => {
        if (proc.exitCode() !== null) throw new Error(`the API exited:\n${proc.output()}`);
        return (await fetch(`${api}/ready`)).ok;
      }, 'the API');
      const expired = await issuer.userToken('bob', undefined, { exp: Math.floor(Date.now() / 1000) - 3600 });
      for (let i = 0; i < 5; i++) {
        assert.equal((await http('GET', `${api}/api/todos`, { token: expired })).status, 401);
      }
      interface Line {
        points: { name: string; attributes: Record<string, unknown>; value: number | null }[];
      }
      const expiredRefusals = (): number | undefined => {
        if (!existsSync(out)) return undefined;
        const lines = readFileSync(out, 'utf8').trim().split('\n');
        const last = JSON.parse(lines.at(-1) ?? '{"points":[]}') as Line;
        return (
          last.points.find(
            (p) => p.name === 'gatehouse.refusals' && p.attributes.code === 'ERR_TOKEN_EXPIRED',
          )?.value ?? undefined
        );
      };
      await waitUntil(async () => expiredRefusals() === 5, 'five expired-token refusals exported');
      const last = readFileSync(out, 'utf8').trim().split('\n').at(-1) ?? '';
      assert.ok(last.includes('"gatehouse.key_fetches"'));
      assert.ok(!last.includes(expired) && !last.includes('bob'), 'no token or user in the telemetry');
    } finally {
      await proc.stop();
      proc.killGroup();
      await issuer.close();
      work.remove();
    }
  });
});
