/**
 * `npm run bench` — the same endpoint protected by Gatehouse and by its peers, plus unprotected
 * baselines, each server in its own process pinned to core 1, the load generator (wrk when
 * installed, else autocannon in this process) pinned to core 0; servers taken round-robin for N rounds, medians reported. See bench/README.md.
 *
 *   npm run bench                        default: 10 s x 3 rounds, every case, CPU profiles
 *   npm run bench -- --quick             smoke run (1 s x 1 round)
 *   npm run bench -- --soak              memory soak (bench/soak.ts)
 *   npm run bench -- --cases repeated,todo --only gatehouse,node-http --duration 10 --rounds 5
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type CaseName, SERVERS, type ServerSpec } from './lib/catalog.ts';
import { check, replayStatus } from './lib/check.ts';
import { busyBetween, coreTimes } from './lib/cpu-stat.ts';
import {
  accessTokenHash,
  type DpopClientKey,
  makeClientKey,
  type ProofTarget,
  proofSigner,
} from './lib/dpop-client.ts';
import { dpopTable, type GateCost } from './lib/dpop-report.ts';
import { AUDIENCE, type Issuer, SCOPE, startIssuer } from './lib/issuer.ts';
import { load as autocannonLoad, type LoadOptions, type LoadResult } from './lib/load.ts';
import { median } from './lib/median.ts';
import { observedTable } from './lib/observed-report.ts';
import { type ServerProcess, startServer } from './lib/process.ts';
import { type ProfileSummary, profileMarkdown, summarizeFile } from './lib/profile.ts';
import type { FloorRow } from './lib/proof-floor.ts';
import { ProofPool } from './lib/proofs.ts';
import type { ServerConfig } from './lib/protocol.ts';
import {
  type CaseResult,
  caseTable,
  markdownTable,
  type Row,
  type Sample,
  type Table,
  textTable,
} from './lib/report.ts';
import { SignerPool } from './lib/signers.ts';
import { wrkAvailable, wrkLoad } from './lib/wrk.ts';

const BENCH = fileURLToPath(new URL('.', import.meta.url));
const RESULTS = join(BENCH, 'results');
const ALL_CASES: readonly (CaseName | ProfileName)[] = [
  'repeated',
  'distinct',
  'todo',
  'dpop',
  'observed',
  'profile',
  'profile-distinct',
  'profile-dpop',
  'profile-dpop-floor',
];

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    duration: { type: 'string' },
    rounds: { type: 'string' },
    warmup: { type: 'string' },
    connections: { type: 'string', default: '50' },
    tokens: { type: 'string', default: '10000' },
    cases: { type: 'string', default: ALL_CASES.join(',') },
    only: { type: 'string' },
    'no-pin': { type: 'boolean', default: false },
    loader: { type: 'string' },
    'max-interference': { type: 'string' },
    soak: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
  allowPositionals: false,
  strict: true,
});

if (values.help) {
  process.stdout.write(`npm run bench -- [options]
  --quick                 smoke run: 1 s runs, 1 round, 0.5 s warm-up, no re-runs
  --duration <s>          seconds per timed run (default 10)
  --rounds <n>            rounds over all servers; the median is reported (default 3)
  --warmup <s>            seconds of load per server before round 1 (default 1)
  --connections <n>       concurrent connections (default 50)
  --tokens <n>            distinct tokens in the distinct case (default 10000)
  --cases <list>          repeated,distinct,todo,dpop,observed,profile,profile-distinct,
                          profile-dpop (default all)
  --only <list>           only servers whose name contains one of these (baselines always kept)
  --max-interference <%>  run again (once) a run in which other processes took more than
                          this share of a bench core (default 20; retries add at most 20 %)
  --loader <name>         wrk (default when installed) or autocannon
  --no-pin                do not pin with taskset
  --soak                  run the memory soak instead (bench/soak.ts)
`);
  process.exit(0);
}

function positive(raw: string | undefined, fallback: number, name: string): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number`);
  return n;
}

interface Settings {
  duration: number;
  rounds: number;
  warmup: number;
  connections: number;
  tokens: number;
  pin: boolean;
  cases: (CaseName | ProfileName)[];
  only: string[] | undefined;
  /** A run in which other processes took more than this share of a bench core is run again. */
  maxInterference: number;
  /** Extra runs allowed for that, as a share of the planned runs (none in a quick run). */
  retryShare: number;
  loader: 'wrk' | 'autocannon';
}

function settings(): Settings {
  const quick = values.quick;
  const cases = values.cases.split(',').map((c) => c.trim());
  for (const c of cases)
    if (!(ALL_CASES as readonly string[]).includes(c)) throw new Error(`--cases: unknown case ${c}`);
  const tasksetWorks = spawnSync('taskset', ['-c', '0', 'true']).status === 0;
  const loader = values.loader ?? (wrkAvailable() ? 'wrk' : 'autocannon');
  if (loader !== 'wrk' && loader !== 'autocannon') throw new Error('--loader must be wrk or autocannon');
  if (loader === 'wrk' && !wrkAvailable()) throw new Error('--loader wrk: wrk is not installed');
  return {
    duration: positive(values.duration, quick ? 1 : 10, 'duration'),
    rounds: Math.round(positive(values.rounds, quick ? 1 : 3, 'rounds')),
    warmup: positive(values.warmup, quick ? 0.5 : 1, 'warmup'),
    connections: Math.round(positive(values.connections, 50, 'connections')),
    tokens: Math.round(positive(values.tokens, 10_000, 'tokens')),
    pin: !values['no-pin'] && tasksetWorks && CORES >= 2,
    cases: cases as (CaseName | ProfileName)[],
    only: values.only?.split(',').map((s) => s.trim()),
    maxInterference: positive(values['max-interference'], 20, 'max-interference') / 100,
    retryShare: quick ? 0 : 0.2,
    loader,
  };
}

/** Cores before this process pins itself (afterwards it sees one). */
const CORES = availableParallelism();
const SERVER_CPU = 1;
/** Set once this process has pinned itself (and pins its servers). */
let pinned = false;
const LOAD_CPU = 0;

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** The load generator the settings chose. */
let load: (options: LoadOptions) => Promise<LoadResult> = autocannonLoad;

function serverConfig(issuer: Issuer, caseName: CaseName, spec: ServerSpec, dir: string): ServerConfig {
  return {
    issuer: issuer.issuer,
    metadataUrl: issuer.metadataUrl,
    jwksUri: issuer.jwksUri,
    httpsMetadataUrl: issuer.https?.metadataUrl,
    audience: AUDIENCE,
    scope: SCOPE,
    cache: caseName !== 'distinct',
    ...(caseName === 'todo'
      ? { todo: { dbPath: join(dir, `${spec.name}.db`), claims: issuer.claims(), items: 20 } }
      : {}),
  };
}

/** What the DPoP case and profile need: a client key, tokens bound to it, and proof signers. */
interface DpopContext {
  client: DpopClientKey;
  /** A valid token with `cnf.jkt` of the client key, and the same claims signed by an unpublished key. */
  valid: string;
  forged: string;
  pool: ProofPool;
  /** The highest req/s each DPoP row reached so far, to size its next supply of proofs. */
  rates: Map<string, number>;
}

interface Context {
  s: Settings;
  issuer: Issuer;
  valid: string;
  forged: string;
  distinct: string[];
  dpop: DpopContext | undefined;
  dir: string;
  /** Re-runs of disturbed runs: at most 20 % more runs in all. */
  retries: { left: number; used: number };
  /** Runs of the strict cases with refusals, errors or too few proofs: the bench fails loudly. */
  failures: string[];
}

/** Cases in which any refused request means the case is broken (the run fails). */
const STRICT: readonly string[] = ['dpop', 'observed', 'profile-dpop', 'profile-dpop-floor'];

const TITLES: Record<CaseName, string> = {
  repeated: 'Case 1 — one repeated valid token (GET /items, a small JSON array)',
  distinct:
    'Case 2 — distinct valid tokens round-robin; Gatehouse verified-token cache off (`cache: { enabled: false }`), peers as they are',
  todo: 'Case 3 — to-do API GET /api/todos (SQLite, 20 items of the caller), one repeated token, Gatehouse cache on',
  dpop: 'Case 4 — DPoP (RFC 9449): one repeated DPoP-bound token, a fresh ES256 proof on every request; Bearer rows of the same servers for comparison',
  observed:
    'Case 5 — observation (issue 19): Gatehouse on node:http without subscribers, with diagnostics_channel subscribers, with gatehouse-auth/otel; one repeated token',
};

/** Proofs a DPoP row gets before it has a rate of its own (its warm-up): more than any row here reaches. */
const FIRST_PROOFS_PER_SECOND = 20_000;

/**
 * The load of one run: a DPoP row gets its proofs signed now (fresh `iat`), far more than its best
 * rate so far needs, so that a faster run still never reuses or runs out of proofs.
 */
async function prepareLoad(
  ctx: Context,
  caseName: CaseName,
  spec: ServerSpec,
  url: string,
  duration: number,
): Promise<LoadOptions> {
  const base = { url, connections: ctx.s.connections, duration };
  if (caseName === 'distinct') return { ...base, tokens: ctx.distinct };
  if (!spec.dpop) return { ...base, token: ctx.valid };
  const dpop = ctx.dpop!;
  const rate = dpop.rates.get(spec.name);
  // wrk runs whole seconds, at least one.
  const seconds = Math.max(1, Math.round(duration));
  // A warm-up rate (short, JIT still cold, maybe beside other work) can be well under the timed
  // run's: never fewer than the first allowance, and two and a half times the best rate seen.
  const count =
    Math.max(FIRST_PROOFS_PER_SECOND * seconds, rate === undefined ? 0 : Math.ceil(rate * seconds * 2.5)) +
    2000;
  const t = performance.now();
  const proofs = await dpop.pool.proofs(proofTarget(url, dpop.valid), count);
  log(
    `   ${spec.name}: ${count.toLocaleString('en-US')} fresh proofs signed in ${((performance.now() - t) / 1000).toFixed(1)} s`,
  );
  return { ...base, dpop: { token: dpop.valid, proofs } };
}

function proofTarget(url: string, token: string): ProofTarget {
  const u = new URL(url);
  return { htm: 'GET', htu: `${u.origin}${u.pathname}`, ath: accessTokenHash(token) };
}

/** Remembers a DPoP row's rate, and records a broken run of a strict case. */
function afterRun(
  ctx: Context,
  what: string,
  spec: ServerSpec,
  result: { rps: number } & Partial<Sample>,
): void {
  if (spec.dpop && ctx.dpop)
    ctx.dpop.rates.set(spec.name, Math.max(ctx.dpop.rates.get(spec.name) ?? 0, result.rps));
  const runOut = result.proofsRunOut ?? 0;
  if ((result.non2xx ?? 0) > 0 || (result.errors ?? 0) > 0 || runOut > 0) {
    const line = `${what} ${spec.name}: ${result.non2xx ?? 0} non-2xx, ${result.errors ?? 0} errors${runOut > 0 ? `, ${runOut} requests without a proof (proofs ran out)` : ''}`;
    log(`   REFUSED — ${line}`);
    if (STRICT.includes(what.split(' ')[0]!)) ctx.failures.push(line);
  }
}

/** The rows of a case in the groups a round keeps together: each DPoP row with its Bearer row. */
function runGroups(live: readonly Row[]): Row[][] {
  const partner = new Map<string, Row>();
  for (const row of live)
    if (row.spec.dpop) {
      const bearer = live.find((r) => r.spec.name === row.spec.dpop!.bearer);
      if (bearer) partner.set(bearer.spec.name, row);
    }
  const paired = new Set([...partner.values()].map((row) => row.spec.name));
  return live
    .filter((row) => !paired.has(row.spec.name))
    .map((row) => {
      const dpop = partner.get(row.spec.name);
      return dpop ? [row, dpop] : [row];
    });
}

/**
 * The in-process floor of the DPoP case, measured in its own process on the servers' core, once
 * per round right after that round's runs: the machine's speed drifts during a bench (on a shared
 * VM by a fifth or more), and an overhead is only comparable with a floor measured beside it.
 */
function measureFloor(s: Settings): Promise<FloorRow[]> {
  return jsonChild<FloorRow[]>(s, 'dpop-floor.ts', [
    '--proofs',
    s.duration < 5 ? '500' : '2000',
    '--rounds',
    '3',
  ]);
}

/**
 * The DPoP overhead in process (the whole gate less a cached Bearer request, over the floor), in
 * its own process on the servers' core after each round, like the floor: the issue's target is
 * read both ways, in process and over HTTP.
 */
function measureGate(s: Settings): Promise<GateCost> {
  return jsonChild<GateCost>(s, 'dpop-proof-cost.ts', [
    '--proofs',
    s.duration < 5 ? '2000' : '10000',
    '--rounds',
    '3',
  ]);
}

/** Runs a bench script with `--json`, pinned to the servers' core when pinning, and parses what it prints. */
function jsonChild<T>(s: Settings, name: string, args: readonly string[]): Promise<T> {
  const argv = [join(BENCH, name), '--json', ...args];
  const child = s.pin
    ? spawn('taskset', ['-c', String(SERVER_CPU), process.execPath, ...argv], {
        stdio: ['ignore', 'pipe', 'inherit'],
      })
    : spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code === 0) resolve(JSON.parse(out) as T);
      else reject(new Error(`${name} exited with ${code}`));
    });
  });
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** One timed run: the load's result, the server's CPU time, and what other processes took. */
async function measure(server: ServerProcess, run: () => Promise<LoadResult>): Promise<Sample> {
  const before = await server.cpu();
  const ownBefore = process.cpuUsage();
  const coreBefore = coreTimes(SERVER_CPU);
  const loadCoreBefore = coreTimes(LOAD_CPU);
  const t0 = performance.now();
  const result = await run();
  const wallUs = (performance.now() - t0) * 1000;
  const own = process.cpuUsage(ownBefore);
  const coreBusy = busyBetween(coreBefore, coreTimes(SERVER_CPU));
  const loadCoreBusy = busyBetween(loadCoreBefore, coreTimes(LOAD_CPU));
  const after = await server.cpu();
  const cpu = after.cpu - before.cpu;
  const serverShare = cpu / wallUs;
  // wrk reports its own CPU time; autocannon runs in this process.
  const loadShare = (result.cpuUs ?? own.user + own.system) / wallUs;
  return {
    rps: result.rps,
    p50: result.p50,
    p99: result.p99,
    non2xx: result.non2xx,
    errors: result.errors,
    ...(result.proofsRunOut === undefined ? {} : { proofsRunOut: result.proofsRunOut }),
    cpuUsPerReq: result.completed > 0 ? cpu / result.completed : Number.NaN,
    busy: serverShare,
    loadBusy: loadShare,
    // What other processes took from either bench core: its busy share less the bench's own.
    others:
      !pinned || coreBusy === undefined || loadCoreBusy === undefined
        ? Number.NaN
        : Math.max(0, coreBusy - serverShare, loadCoreBusy - loadShare),
  };
}

function logSample(at: string, name: string, x: Sample): void {
  const rate = Math.round(x.rps).toLocaleString('en-US').padStart(7);
  const interference = Number.isNaN(x.others) ? '' : `, other processes ${Math.round(x.others * 100)} %`;
  const failures = x.non2xx || x.errors ? `  non-2xx ${x.non2xx} errors ${x.errors}` : '';
  log(
    `   [${at}] ${name.padEnd(26)} ${rate} req/s  p99 ${x.p99.toFixed(1)} ms  busy ${Math.round(x.busy * 100)} % (load gen ${Math.round(x.loadBusy * 100)} %${interference})${failures}`,
  );
}

/** The servers of a case that --only leaves (baselines always stay). */
function selected(s: Settings, caseName: CaseName): ServerSpec[] {
  return SERVERS.filter(
    (spec) =>
      spec.cases.includes(caseName) &&
      (s.only === undefined || spec.auth === 'none' || s.only.some((o) => spec.name.includes(o))),
  );
}

async function runCase(ctx: Context, caseName: CaseName): Promise<CaseResult> {
  const { s, issuer } = ctx;
  const specs = selected(s, caseName);
  const title =
    caseName === 'distinct'
      ? TITLES.distinct.replace('distinct', `${ctx.distinct.length.toLocaleString('en-US')} distinct`)
      : TITLES[caseName];
  log(`\n== ${title}`);
  const rows: Row[] = specs.map((spec) => ({ spec, samples: [] }));
  const running = new Map<string, ServerProcess>();
  const replays: string[] = [];
  const path = caseName === 'todo' ? '/api/todos' : '/items';

  for (const row of rows) {
    const { spec } = row;
    if (spec.https && !issuer.https) {
      row.excluded = issuer.httpsError ?? 'no https issuer';
      continue;
    }
    try {
      const server = await startServer(spec.name, serverConfig(issuer, caseName, spec, ctx.dir), {
        cpu: s.pin ? SERVER_CPU : undefined,
        ...(spec.https && issuer.https ? { env: { NODE_EXTRA_CA_CERTS: issuer.https.caFile } } : {}),
      });
      const url = `http://127.0.0.1:${server.port}${path}`;
      const problem = await check({
        url,
        spec,
        ...credentials(ctx, spec, url),
        ...(caseName === 'distinct'
          ? { samples: [0, 1, ctx.distinct.length - 1].map((i) => ctx.distinct[i]!) }
          : {}),
        ...(caseName === 'todo' ? { expectItems: 20 } : {}),
      }).catch((error: unknown) => `check failed: ${error instanceof Error ? error.message : String(error)}`);
      if (problem) {
        row.excluded = problem;
        log(`   ${spec.name}: EXCLUDED — ${problem}`);
        await server.stop();
        continue;
      }
      running.set(spec.name, server);
      log(
        `   ${spec.name}: ready on port ${server.port} (valid 200${spec.auth === 'none' ? '' : ', forged 401, none 401'}${spec.dpop ? (spec.dpop.floor ? ', no proof 401, a proof with a broken signature 401' : ', bound token as Bearer refused') : ''})`,
      );
      if (spec.dpop && !spec.dpop.floor && ctx.dpop) {
        const status = await replayStatus(
          url,
          ctx.dpop.valid,
          credentials(ctx, spec, url).dpop!.proof(ctx.dpop.valid),
        );
        const line = `${spec.label}: a proof sent a second time got ${status}${status === 401 ? ' (replay refused)' : ' (replay NOT detected)'} in the pre-check.`;
        replays.push(line);
        log(`   ${line}`);
      }
    } catch (error) {
      row.excluded = `did not start: ${error instanceof Error ? error.message : String(error)}`;
      log(`   ${spec.name}: EXCLUDED — ${row.excluded}`);
    }
  }

  const live = rows.filter((r) => running.has(r.spec.name));
  const prepare = (row: Row, duration: number) =>
    prepareLoad(
      ctx,
      caseName,
      row.spec,
      `http://127.0.0.1:${running.get(row.spec.name)!.port}${path}`,
      duration,
    );
  for (const row of live)
    afterRun(ctx, `${caseName} warm-up`, row.spec, await load(await prepare(row, s.warmup)));
  const floorRounds: FloorRow[][] = [];
  const gateRounds: GateCost[] = [];
  const groups = runGroups(live);

  for (let round = 0; round < s.rounds; round++) {
    // Round-robin, starting one further each round, so no server always follows the same neighbour;
    // a DPoP row runs next to its Bearer row, first every other round.
    const order = groups
      .map((_, i) => groups[(i + round) % groups.length]!)
      .flatMap((group) => (round % 2 === 0 ? group : [...group].reverse()));
    for (const row of order) {
      const server = running.get(row.spec.name)!;
      const options = await prepare(row, s.duration);
      let sample = await measure(server, () => load(options));
      logSample(`${caseName} ${round + 1}/${s.rounds}`, row.spec.name, sample);
      afterRun(ctx, `${caseName} ${round + 1}/${s.rounds}`, row.spec, sample);
      // A run another process disturbed is run again, once, while the retry budget lasts; the
      // less disturbed of the two is kept.
      if (sample.others > s.maxInterference && ctx.retries.left > 0) {
        ctx.retries.left--;
        ctx.retries.used++;
        await pause(1000);
        const againOptions = await prepare(row, s.duration);
        const again = await measure(server, () => load(againOptions));
        logSample(`${caseName} ${round + 1}/${s.rounds} again`, row.spec.name, again);
        afterRun(ctx, `${caseName} ${round + 1}/${s.rounds} again`, row.spec, again);
        if (again.others < sample.others) sample = again;
      }
      row.samples.push(sample);
      await pause(200);
    }
    if (caseName === 'dpop') {
      const floor = await measureFloor(s).catch((error: unknown) => {
        log(`   DPoP floor not measured: ${error instanceof Error ? error.message : String(error)}`);
        return undefined;
      });
      if (floor) {
        floorRounds.push(floor);
        log(
          `   [${caseName} ${round + 1}/${s.rounds}] in process, ${floor[0]!.name}: ${floor[0]!.us.toFixed(1)} µs/proof`,
        );
      }
      const gate = await measureGate(s).catch((error: unknown) => {
        log(
          `   DPoP gate not measured in process: ${error instanceof Error ? error.message : String(error)}`,
        );
        return undefined;
      });
      if (gate) {
        gateRounds.push(gate);
        log(
          `   [${caseName} ${round + 1}/${s.rounds}] in process, DPoP gate less a cached Bearer request ÷ floor: ${median([...gate.overhead]).toFixed(2)}×`,
        );
      }
    }
  }
  await Promise.all([...running.values()].map((server) => server.stop()));
  const floor = floorRounds.length === s.rounds ? floorRounds : undefined;
  const gate = gateRounds.length === s.rounds ? gateRounds : undefined;
  const notes: string[] = [];
  if (caseName === 'distinct') {
    notes.push(
      `Every request carries the next of the distinct tokens (${s.loader === 'wrk' ? "wrk's Lua script builds" : 'autocannon rebuilds'} each request, for every row alike); peers keep their own caches.`,
    );
  }
  if (caseName === 'todo') {
    notes.push(
      '`buildApp` (apps/todo-api/src/app.ts) has no way to switch authentication off, so the "auth off" row runs the to-do API\'s own route plugin (routes/todos.ts, same schemas, same SQLite store code) on a bare Fastify with a fixed caller; the bare Gatehouse row is the same app with the Gatehouse plugin. Rate limiting off, no request logging.',
    );
  }
  if (caseName === 'dpop') {
    notes.push(
      `Every DPoP request carries the next of a file of proofs signed just before the run (ES256, fresh iat, unique jti, htm GET, htu of the server, ath of the token), each used once: ${s.loader === 'wrk' ? "wrk's Lua script walks the file" : 'autocannon takes the next'}; a run that refuses any request, or runs out of proofs, fails the bench. Gatehouse rows: dpop mode required, default replay store sized for 10,000 req/s (1.25 M records), verified-token cache on.`,
      ...replays,
    );
  }
  return { name: caseName, title, rows, notes, ...(floor ? { floor } : {}), ...(gate ? { gate } : {}) };
}

/** How a server of this spec is checked: the plain tokens, or the DPoP-bound ones with fresh proofs. */
function credentials(
  ctx: Context,
  spec: ServerSpec,
  url: string,
): { valid: string; forged: string; dpop?: { proof: (token: string) => string } } {
  if (!spec.dpop || !ctx.dpop) return { valid: ctx.valid, forged: ctx.forged };
  const { client, valid, forged } = ctx.dpop;
  const proof = (token: string) =>
    proofSigner(client.privateKey, client.publicJwk, proofTarget(url, token))();
  return { valid, forged, dpop: { proof } };
}

/** What a profile run looks at: the repeated token on Fastify, or distinct tokens (cache off) on node:http. */
const PROFILES = {
  profile: {
    caseName: 'repeated',
    server: 'gatehouse-fastify',
    title: 'Gatehouse on Fastify, repeated token',
  },
  'profile-distinct': {
    caseName: 'distinct',
    server: 'gatehouse-node',
    title: 'Gatehouse on node:http, distinct tokens, cache off',
  },
  'profile-dpop': {
    caseName: 'dpop',
    server: 'gatehouse-node-dpop',
    title: 'Gatehouse on node:http, DPoP required, one repeated bound token, a fresh proof a request',
  },
  'profile-dpop-floor': {
    caseName: 'dpop',
    server: 'floor-dpop-verify',
    title: 'The DPoP floor over HTTP (node:http and one proof signature), for comparison with profile-dpop',
  },
} as const satisfies Record<string, { caseName: CaseName; server: string; title: string }>;
type ProfileName = keyof typeof PROFILES;

async function profile(ctx: Context, which: ProfileName): Promise<ProfileSummary | string> {
  const { s, issuer } = ctx;
  const target = PROFILES[which];
  const spec = SERVERS.find((x) => x.name === target.server)!;
  const dir = join(RESULTS, 'profiles');
  const name = `${target.server}-${target.caseName}.cpuprofile`;
  await mkdir(dir, { recursive: true });
  await rm(join(dir, name), { force: true });
  log(`\n== CPU profile: ${target.title}`);
  const server = await startServer(spec.name, serverConfig(issuer, target.caseName, spec, ctx.dir), {
    cpu: s.pin ? SERVER_CPU : undefined,
    execArgv: ['--cpu-prof', `--cpu-prof-dir=${dir}`, `--cpu-prof-name=${name}`],
  });
  const url = `http://127.0.0.1:${server.port}/items`;
  const problem = await check({ url, spec, ...credentials(ctx, spec, url) });
  if (problem) {
    await server.stop();
    return `not profiled: ${problem}`;
  }
  afterRun(
    ctx,
    `${which} warm-up`,
    spec,
    await load(await prepareLoad(ctx, target.caseName, spec, url, s.warmup)),
  );
  const options = await prepareLoad(ctx, target.caseName, spec, url, Math.max(s.duration, 2));
  const start = Number(process.hrtime.bigint() / 1000n);
  const result = await load(options);
  const end = Number(process.hrtime.bigint() / 1000n);
  await server.stop();
  afterRun(ctx, which, spec, result);
  log(`   ${Math.round(result.rps).toLocaleString('en-US')} req/s under the profiler`);
  return summarizeFile(join(dir, name), { start, end });
}

/** The table a case adds under its main one: DPoP overhead against the floor, or the price of observation. */
function extraTable(result: CaseResult): { title: string; table: Table } | undefined {
  if (result.name === 'dpop')
    return {
      title: 'DPoP overhead per request, next to one proof verification',
      table: dpopTable(result, result.floor, result.gate),
    };
  if (result.name === 'observed')
    return { title: 'The price of observation (same run)', table: observedTable(result) };
  return undefined;
}

function machine(s: Settings): string[] {
  const git = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).stdout.trim();
  const dirty = spawnSync(
    'git',
    ['status', '--porcelain', '--', 'packages/gatehouse/src', 'apps/todo-api/src'],
    {
      encoding: 'utf8',
    },
  ).stdout.trim();
  return [
    `- ${new Date().toISOString()}, commit ${git || 'unknown'}${dirty ? ' (with uncommitted changes in packages/gatehouse/src or apps/todo-api/src: the working tree is what ran)' : ''}, Node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'}, ${CORES} cores`,
    `- ${
      s.pin
        ? `servers pinned to core ${SERVER_CPU} and ${s.loader} (with the issuer) to core ${LOAD_CPU} via taskset`
        : 'NOT pinned (taskset missing, fewer than 2 cores, or --no-pin): servers and load generator share cores'
    }`,
    `- ${s.loader === 'wrk' ? 'wrk (1 thread)' : 'autocannon'}, ${s.connections} connections, ${s.duration} s per run, ${s.rounds} round(s) round-robin over the servers, ${s.warmup} s warm-up per server; medians over rounds`,
  ];
}

async function main(): Promise<void> {
  const s = settings();
  if (s.loader === 'wrk') load = wrkLoad;
  const began = performance.now();
  if (s.pin) {
    const args = ['-a', '-p', '-c', String(LOAD_CPU), String(process.pid)];
    pinned = spawnSync('taskset', args, { stdio: 'ignore' }).status === 0;
  }
  await mkdir(RESULTS, { recursive: true });
  const dir = await mkdtemp(join(tmpdir(), 'gatehouse-bench-data-'));
  const issuer = await startIssuer();
  // Interrupted: servers exit on their own when the IPC channel closes; remove the temporary files.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      void Promise.allSettled([issuer.close(), rm(dir, { recursive: true, force: true })]).then(() =>
        process.exit(130),
      );
    });
  }
  try {
    const valid = issuer.sign(issuer.claims());
    const forged = issuer.forge(issuer.claims());
    let distinct: string[] = [];
    if (s.cases.includes('distinct') || s.cases.includes('profile-distinct')) {
      const t = performance.now();
      const pool = new SignerPool(issuer, s.pin ? [LOAD_CPU, SERVER_CPU] : [undefined, undefined]);
      distinct = await pool.signMany(s.tokens);
      pool.close();
      log(
        `signed ${distinct.length.toLocaleString('en-US')} distinct tokens in ${((performance.now() - t) / 1000).toFixed(1)} s`,
      );
    }
    let dpop: DpopContext | undefined;
    if (s.cases.some((c) => c === 'dpop' || c.startsWith('profile-dpop'))) {
      const client = makeClientKey();
      const bound = { ...issuer.claims(), cnf: { jkt: client.jkt } };
      dpop = {
        client,
        valid: issuer.sign(bound),
        forged: issuer.forge(bound),
        pool: new ProofPool(client, s.pin ? [LOAD_CPU, SERVER_CPU] : [undefined, undefined]),
        rates: new Map(),
      };
    }
    const planned = s.cases
      .filter((c): c is CaseName => !(c in PROFILES))
      .reduce((n, c) => n + selected(s, c).length * s.rounds, 0);
    const ctx: Context = {
      s,
      issuer,
      valid,
      forged,
      distinct,
      dpop,
      dir,
      retries: { left: Math.ceil(planned * s.retryShare), used: 0 },
      failures: [],
    };
    const results: CaseResult[] = [];
    for (const c of s.cases) if (!(c in PROFILES)) results.push(await runCase(ctx, c as CaseName));
    const profiles: { which: ProfileName; summary: ProfileSummary | string }[] = [];
    for (const which of Object.keys(PROFILES) as ProfileName[]) {
      if (!s.cases.includes(which)) continue;
      const summary = await profile(ctx, which).catch(
        (error: unknown) => `profile failed: ${error instanceof Error ? error.message : String(error)}`,
      );
      profiles.push({ which, summary });
    }
    dpop?.pool.close();

    const minutes = ((performance.now() - began) / 60_000).toFixed(1);
    const retried = `${ctx.retries.used} run(s) repeated because other processes took more than ${Math.round(s.maxInterference * 100)} % of a bench core`;
    const text: string[] = ['', ...machine(s).map((l) => l.slice(2))];
    const md: string[] = [
      '# Gatehouse benchmark — latest run',
      '',
      ...machine(s),
      `- whole run: ${minutes} min; ${retried}`,
      '',
    ];
    md.push(
      "req/s: 2xx responses a second (median of rounds). ratio: req/s over the reference row of the case. paired ratio: the median over rounds of the row's req/s over its own framework's baseline in the same round (robust to a machine that drifts during the run). auth µs/req (est.): 1/req/s − 1/req/s of the same framework without authentication, i.e. what authentication adds per request on one core. auth CPU µs/req: the same from measured CPU time (server CPU µs/req less the baseline's), which holds even when the load generator, not the server, was the limit. server CPU µs/req: the server process's measured CPU time per response. server busy: its CPU time over wall time (about 100 % means the server, not the load generator, was the limit). load-gen busy: the same for the load generator (about 100 %: the load generator was the limit and the row is understated). spread: (max − min)/median of req/s over rounds.",
      '',
    );
    for (const r of results) {
      const table = caseTable(r);
      text.push('', r.title, textTable(table), ...table.notes.map((n) => `  * ${n}`));
      md.push(`## ${r.title}`, '', markdownTable(table), '', ...table.notes.map((n) => `- ${n}`), '');
      const extra = extraTable(r);
      if (extra) {
        text.push('', extra.title, textTable(extra.table), ...extra.table.notes.map((n) => `  * ${n}`));
        md.push(
          `### ${extra.title}`,
          '',
          markdownTable(extra.table),
          '',
          ...extra.table.notes.map((n) => `- ${n}`),
          '',
        );
      }
    }
    if (ctx.failures.length > 0) {
      const failed = [
        `FAILED: ${ctx.failures.length} run(s) of the DPoP, observed or DPoP profile cases had refused requests, errors or too few proofs; their numbers are not valid:`,
        ...ctx.failures.map((f) => `  - ${f}`),
      ];
      text.push('', ...failed);
      md.push(`**${failed[0]}**`, '', ...failed.slice(1), '');
      process.exitCode = 1;
    }
    for (const { which, summary } of profiles) {
      const heading = `CPU profile — ${PROFILES[which].title}`;
      md.push(`## ${heading}`, '');
      if (typeof summary === 'string') {
        md.push(summary);
        text.push('', `${heading}: ${summary}`);
      } else {
        md.push(profileMarkdown(summary));
        text.push('', `${heading} (top functions by self time)`);
        text.push(
          ...summary.top.map(
            (f, i) =>
              `${String(i + 1).padStart(3)}. ${f.pct.toFixed(1).padStart(5)} %  ${f.name}  [${f.area}] ${f.where}`,
          ),
          `   areas: ${summary.areas.map((a) => `${a.area} ${a.pct.toFixed(1)} %`).join(', ')}`,
        );
      }
      md.push('');
    }
    const hits = [...issuer.hits].map(([path, n]) => `${path} ×${n}`).join(', ');
    md.push(`Issuer requests during the whole run: ${hits}.`, '');
    text.push('', `whole run: ${minutes} min; ${retried}; results in bench/results/latest.md`);
    process.stdout.write(`${text.join('\n')}\n`);
    await writeFile(join(RESULTS, 'latest.md'), md.join('\n'));
    await writeFile(
      join(RESULTS, 'latest.json'),
      JSON.stringify(
        { settings: s, results, profiles, issuerHits: Object.fromEntries(issuer.hits) },
        null,
        2,
      ),
    );
  } finally {
    await issuer.close();
    await rm(dir, { recursive: true, force: true });
  }
}

if (values.soak) {
  const child = spawn(process.execPath, [join(BENCH, 'soak.ts')], { stdio: 'inherit' });
  child.on('exit', (code) => process.exit(code ?? 1));
} else {
  await main();
}
