/**
 * Memory soak: 100,000 distinct valid tokens, each sent once over HTTP (50 connections) to a
 * Gatehouse server (node:http + gatehouse-auth/node, verified-token cache on with its default bounds:
 * 10,000 entries / 32 MiB) in its own process started with --expose-gc. The same stream then goes
 * to the same server without authentication, so what Node and V8 themselves grow under this load
 * can be told apart from what Gatehouse keeps. Reports the server's RSS after a forced GC before
 * and after, and its peak; the target is at most 64 MiB of growth.
 *
 * Signing (about 1 ms a token) happens first, in two signer processes; the load generator and the
 * tokens live in this process, never in the measured one.
 *
 * With `--repeat 2` each token is sent twice in a row, so every one is admitted to the cache:
 * the cache then churns at its bounds for the whole run, its worst case for memory.
 *
 *   npm run bench -- --soak          or    node bench/soak.ts [--tokens 100000] [--repeat 2] [--no-cache]
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { SERVERS } from './lib/catalog.ts';
import { check } from './lib/check.ts';
import { AUDIENCE, type Issuer, SCOPE, startIssuer } from './lib/issuer.ts';
import { load } from './lib/load.ts';
import { startServer } from './lib/process.ts';
import type { MemoryReport } from './lib/protocol.ts';
import { SignerPool } from './lib/signers.ts';

const MiB = 1024 * 1024;
const TARGET_MIB = 64;
const WARMUP = 3000;
const IDLE_MS = 15_000;

const { values } = parseArgs({
  options: {
    tokens: { type: 'string', default: '100000' },
    connections: { type: 'string', default: '50' },
    /** The Gatehouse server (a bench/servers module). */
    server: { type: 'string', default: 'gatehouse-node' },
    /** The same framework without authentication. */
    baseline: { type: 'string', default: 'node-http' },
    /** Each token sent this many times in a row: 2 makes every token enter the cache (admitted on its second use). */
    repeat: { type: 'string', default: '1' },
    /** Diagnostics: Gatehouse's verified-token cache off. */
    'no-cache': { type: 'boolean', default: false },
    /** Extra Node flags for both servers, e.g. "--max-semi-space-size=16". */
    'server-flags': { type: 'string', default: '' },
  },
});
const total = Number(values.tokens);
const repeat = Number(values.repeat);
const connections = Number(values.connections);
const serverFlags = values['server-flags'].split(' ').filter((f) => f !== '');
const mib = (n: number): string => (n / MiB).toFixed(1);

interface Soaked {
  name: string;
  before: MemoryReport;
  after: MemoryReport;
  /** After a further IDLE_MS without load (and another forced GC). */
  idle: MemoryReport;
  /** RSS (no forced GC) after each tenth of the tokens. */
  trajectory: number[];
  rps: number;
  non2xx: number;
  errors: number;
}

async function soakOne(
  name: string,
  issuer: Issuer,
  valid: string,
  forged: string,
  tokens: readonly string[],
): Promise<Soaked> {
  const spec = SERVERS.find((s) => s.name === name);
  if (!spec) throw new Error(`unknown server ${name}`);
  const server = await startServer(
    name,
    {
      issuer: issuer.issuer,
      metadataUrl: issuer.metadataUrl,
      jwksUri: issuer.jwksUri,
      httpsMetadataUrl: undefined,
      audience: AUDIENCE,
      scope: SCOPE,
      cache: !values['no-cache'],
    },
    { cpu: undefined, execArgv: ['--expose-gc', ...serverFlags] },
  );
  try {
    const url = `http://127.0.0.1:${server.port}/items`;
    const problem = await check({ url, spec, valid, forged });
    if (problem) throw new Error(`${name} failed the pre-check: ${problem}`);
    // Warm-up that leaves the cache (nearly) empty: a forged token takes the whole verification
    // path and is never cached; the valid one takes the principal-and-cache path (one entry).
    await load({ url, connections, duration: 0, amount: WARMUP, token: forged });
    await load({ url, connections, duration: 0, amount: WARMUP, token: valid });
    const before = await server.memory(true);
    const trajectory: number[] = [];
    const tenth = Math.ceil(tokens.length / 10);
    let completed = 0;
    let non2xx = 0;
    let errors = 0;
    let seconds = 0;
    for (let from = 0; from < tokens.length; from += tenth) {
      const part = tokens.slice(from, from + tenth).flatMap((t) => Array<string>(repeat).fill(t));
      const result = await load({ url, connections, duration: 0, amount: part.length, tokens: part });
      completed += result.completed;
      non2xx += result.non2xx;
      errors += result.errors;
      seconds += result.duration;
      trajectory.push((await server.cpu()).rss);
    }
    const after = await server.memory(false);
    // V8 gives pages back to the system some seconds after a collection, when the process idles.
    await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
    const idle = await server.memory(false);
    return { name, before, after, idle, trajectory, rps: completed / seconds, non2xx, errors };
  } finally {
    await server.stop();
  }
}

function rows(s: Soaked): string[] {
  const growth = s.after.rss - s.before.rss;
  const d = (key: 'heapTotal' | 'heapUsed' | 'external' | 'arrayBuffers'): number =>
    s.after[key] - s.before[key];
  return [
    `| ${s.name} | ${mib(s.before.rss)} | ${mib(s.after.peakRss)} | ${mib(s.after.rss)} | **${mib(growth)}** | ${mib(s.after.peakRss - s.before.rss)} | ${mib(s.idle.rss - s.before.rss)} | ${mib(d('heapTotal'))} | ${mib(d('heapUsed'))} | ${mib(d('external'))} | ${mib(d('arrayBuffers'))} | ${mib(growth - d('heapTotal') - d('external'))} |`,
  ];
}

function spaces(s: Soaked): string[] {
  return s.after.spaces
    .map((a) => ({ a, b: s.before.spaces.find((x) => x.name === a.name) }))
    .filter(({ a, b }) => a.committed > 0 || (b?.committed ?? 0) > 0)
    .map(
      ({ a, b }) =>
        `| ${s.name} | ${a.name} | ${mib(b?.committed ?? 0)} | ${mib(a.committed)} | ${mib(b?.used ?? 0)} | ${mib(a.used)} |`,
    );
}

async function main(): Promise<void> {
  const issuer = await startIssuer();
  try {
    const t = performance.now();
    const signers = new SignerPool(issuer, [undefined, undefined]);
    const tokens = await signers.signMany(total, 1000);
    signers.close();
    process.stderr.write(
      `signed ${tokens.length.toLocaleString('en-US')} distinct tokens in ${((performance.now() - t) / 1000).toFixed(1)} s\n`,
    );
    const valid = issuer.sign(issuer.claims());
    const forged = issuer.forge(issuer.claims());
    const gatehouse = await soakOne(values.server, issuer, valid, forged, tokens);
    process.stderr.write(`${values.server}: growth ${mib(gatehouse.after.rss - gatehouse.before.rss)} MiB\n`);
    const baseline = await soakOne(values.baseline, issuer, valid, forged, tokens);
    process.stderr.write(`${values.baseline}: growth ${mib(baseline.after.rss - baseline.before.rss)} MiB\n`);

    const growth = gatehouse.after.rss - gatehouse.before.rss;
    const peakGrowth = gatehouse.after.peakRss - gatehouse.before.rss;
    const own = growth - (baseline.after.rss - baseline.before.rss);
    const pass = growth <= TARGET_MIB * MiB && peakGrowth <= TARGET_MIB * MiB;
    const lines = [
      '# Gatehouse memory soak',
      '',
      `- ${new Date().toISOString()}, Node ${process.version}`,
      `- ${total.toLocaleString('en-US')} distinct valid RS256 tokens, each sent ${repeat === 1 ? 'once' : `${repeat} times in a row`} (${connections} connections) to \`${values.server}\` (verified-token cache ${values['no-cache'] ? 'OFF (--no-cache)' : 'on, default bounds'}), then the same stream to \`${values.baseline}\` (no authentication); each server in its own process with --expose-gc${serverFlags.length ? ` ${serverFlags.join(' ')}` : ''}; warm-up ${WARMUP} forged + ${WARMUP} repeated valid requests before the first snapshot`,
      `- ${values.server}: ${Math.round(gatehouse.rps).toLocaleString('en-US')} req/s, ${gatehouse.non2xx} non-2xx, ${gatehouse.errors} errors; ${values.baseline}: ${Math.round(baseline.rps).toLocaleString('en-US')} req/s`,
      '',
      `| server | RSS before (GC) | RSS peak | RSS after (GC) | growth | peak growth | growth after ${IDLE_MS / 1000} s idle | V8 heap committed growth | heap used growth | external growth | array buffers growth | other (native) growth |`,
      '|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|',
      ...rows(gatehouse),
      ...rows(baseline),
      '',
      `MiB. Target for ${values.server}: at most ${TARGET_MIB} MiB of RSS growth (after GC and at peak) — **${pass ? 'PASS' : 'FAIL'}**. Growth beyond the unauthenticated server under the same stream: ${mib(own)} MiB.`,
      '',
      `RSS (MiB, no forced GC) after each tenth of the tokens — ${values.server}: ${gatehouse.trajectory.map(mib).join(', ')}; ${values.baseline}: ${baseline.trajectory.map(mib).join(', ')}.`,
      '',
      'V8 heap spaces, committed and used (MiB), after forced GC:',
      '',
      '| server | space | committed before | committed after | used before | used after |',
      '|---|---|--:|--:|--:|--:|',
      ...spaces(gatehouse),
      ...spaces(baseline),
      '',
    ];
    const results = fileURLToPath(new URL('./results/', import.meta.url));
    await mkdir(results, { recursive: true });
    const file = `soak${repeat > 1 ? `-repeat${repeat}` : ''}${values['no-cache'] ? '-no-cache' : ''}.md`;
    await writeFile(join(results, file), lines.join('\n'));
    process.stdout.write(`${lines.join('\n')}\n(written to bench/results/${file})\n`);
    if (!pass) process.exitCode = 1;
  } finally {
    await issuer.close();
  }
}

await main();
