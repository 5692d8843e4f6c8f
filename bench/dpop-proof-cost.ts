/**
 * `node bench/dpop-proof-cost.ts` — what Gatehouse's DPoP proof check costs in process, without
 * HTTP, next to the floor (one ES256 `crypto.verify` of the signature as DER, KeyObject made once):
 * CPU µs per proof over distinct proofs of one client key, medians of rounds whose rows are
 * interleaved in small chunks. The replay store row is the per-request cost of the default
 * `MemoryReplayStore` as the gate calls it; the Bearer row is a cached Bearer request, which the
 * DPoP overhead (the DPoP gate less it, over the floor) is taken against, as the HTTP bench does.
 *
 * Two versions compared in one run (e.g. a worktree of an earlier commit, with node_modules linked):
 * `--baseline` adds the `verifyProof` (before 0.2: async) or `checkProof` of another proof.ts;
 * `--baseline-src` the whole DPoP gate of another `packages/gatehouse/src`.
 *
 * `npm run bench -- --cases dpop` runs it with `--json` after every round, on the servers' core.
 *
 *   node bench/dpop-proof-cost.ts [--proofs 20000] [--rounds 5] [--baseline path/to/proof.ts]
 *                                 [--baseline-src path/to/packages/gatehouse/src] [--json]
 */
import { createHash, createPublicKey } from 'node:crypto';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import {
  checkProof,
  type ProofPolicy,
  type ProofRequest,
} from '../packages/gatehouse/src/core/dpop/proof.ts';
import { MemoryReplayStore } from '../packages/gatehouse/src/core/dpop/replay.ts';
import { createGatehouse, type Gatehouse } from '../packages/gatehouse/src/index.ts';
import { accessTokenHash, makeClientKey, proofSigner } from './lib/dpop-client.ts';
import type { GateCost } from './lib/dpop-report.ts';
import { AUDIENCE, startIssuer } from './lib/issuer.ts';
import { FLOOR_ROW, floorVerifies } from './lib/proof-floor.ts';
import { median } from './lib/report.ts';

const { values } = parseArgs({
  options: {
    proofs: { type: 'string', default: '20000' },
    rounds: { type: 'string', default: '5' },
    baseline: { type: 'string' },
    'baseline-src': { type: 'string' },
    json: { type: 'boolean', default: false },
  },
  strict: true,
});
const COUNT = Number(values.proofs);
const ROUNDS = Number(values.rounds);
if (!(COUNT > 0 && ROUNDS > 0)) throw new Error('--proofs and --rounds must be positive');

type Verify = (proof: string, request: ProofRequest, policy: ProofPolicy) => unknown;

const HTU = 'http://127.0.0.1:8080/items';
const client = makeClientKey();
// A real bound token, as long as the bench's (its hash is part of every ath check and cache lookup).
const issuer = await startIssuer();
const TOKEN = issuer.sign({ ...issuer.claims(), cnf: { jkt: client.jkt } });
const sign = proofSigner(client.privateKey, client.publicJwk, {
  htm: 'GET',
  htu: HTU,
  ath: accessTokenHash(TOKEN),
});
const proofs = Array.from({ length: COUNT }, () => sign());
// Every proof was signed within the window before this instant (600 s covers a slow signing loop).
const request: ProofRequest = { method: 'GET', htu: HTU, accessToken: TOKEN, now: Date.now() };
const policy: ProofPolicy = { algorithms: ['ES256'], iatWindow: 600, clockTolerance: 5 };
const floorKey = createPublicKey({ key: client.publicJwk, format: 'jwk' });

function expectJkt(result: unknown): void {
  if ((result as { jkt?: unknown }).jkt !== client.jkt) throw new Error('a valid proof did not verify');
}

const rows: Record<string, (proof: string, n: number) => unknown> = {
  [FLOOR_ROW]: (proof) => {
    if (!floorVerifies(proof, floorKey)) throw new Error('floor: a valid proof did not verify');
  },
  'Gatehouse checkProof (sync, node:crypto)': (proof) => expectJkt(checkProof(proof, request, policy)),
};
if (values.baseline !== undefined) {
  const baseline = (await import(pathToFileURL(resolve(values.baseline)).href)) as {
    verifyProof?: Verify;
    checkProof?: Verify;
  };
  const check = baseline.checkProof ?? baseline.verifyProof;
  if (check === undefined) throw new Error(`${values.baseline} exports neither checkProof nor verifyProof`);
  rows[`baseline (${values.baseline})`] = async (proof) => expectJkt(await check(proof, request, policy));
}
// The gate's id for each proof, made before timing, so the row is the store alone.
const ids = proofs.map((_, n) => createHash('sha256').update(`${client.jkt}:${n}`).digest('base64url'));
let store = new MemoryReplayStore({ clock: () => request.now });
rows['MemoryReplayStore.seen (default store)'] = (_proof, n) => {
  if (n === 0) store = new MemoryReplayStore({ clock: () => request.now });
  if (store.seen(ids[n]!, request.now + 121_000)) throw new Error('replay store: a new id was seen');
};

/**
 * Header values as node's HTTP parser hands them over: a fresh flat string each (a template literal
 * would be a rope, flattened by the first character read, a copy no server request pays).
 */
const flat = (text: string): string => Buffer.from(text, 'latin1').toString('latin1');
const asRequest = (proof: string, scheme = 'DPoP', token = TOKEN) => {
  const authorization = flat(`${scheme} ${token}`);
  const dpop = flat(proof);
  return {
    method: 'GET',
    url: '/items',
    headers: { host: '127.0.0.1:8080', authorization, dpop },
    rawHeaders: ['Host', '127.0.0.1:8080', 'Authorization', authorization, 'DPoP', dpop],
    socket: {},
  };
};
const requests = proofs.map((proof) => asRequest(proof));

/*
 * The same request as a bench Bearer row makes: the same Gatehouse options without DPoP, an unbound
 * token (no `cnf`) from the cache. The DPoP gate less this row is what the HTTP bench
 * calls the DPoP overhead; the report sets it against the floor as the HTTP bench does.
 */
const BEARER_TOKEN = issuer.sign(issuer.claims());
const bearerGate = createGatehouse({ issuer: issuer.issuer, audience: AUDIENCE });
bearerGate.start();
while (!bearerGate.ready) await new Promise((resolve) => setTimeout(resolve, 10));
const bearerRequests = proofs.map(() => asRequest('', 'Bearer', BEARER_TOKEN));
await bearerGate.authenticate(bearerRequests[0]!);
const BEARER_ROW = 'Gatehouse Bearer (authenticateNow, cached token, no DPoP)';
rows[BEARER_ROW] = (_proof, n) => {
  const outcome = bearerGate.authenticateNow(bearerRequests[n]!);
  if (outcome instanceof Promise || outcome === null) throw new Error('bearer: not answered at once');
};

/*
 * The whole gate as an adapter calls it (`authenticateNow`: the token from the verified-token cache,
 * the proof checked, the binding, the memory replay store), on request objects made before timing.
 * One Gatehouse per pass over the proofs, each with its own replay store: a pass replays the last.
 */
const closers: (() => void)[] = [() => bearerGate.close()];
async function gateRow(create: typeof createGatehouse, Store: typeof MemoryReplayStore) {
  const gates: Gatehouse[] = [];
  for (let i = 0; i <= ROUNDS; i++) {
    const gate = create({
      issuer: issuer.issuer,
      audience: AUDIENCE,
      dpop: { mode: 'required', iatWindow: 600, replayStore: new Store() },
    });
    gate.start();
    gates.push(gate);
    closers.push(() => gate.close());
  }
  while (!gates.every((gate) => gate.ready)) await new Promise((resolve) => setTimeout(resolve, 10));
  // The first request of each gate verifies the token (async) and fills the cache, outside timing.
  for (const gate of gates) await gate.authenticate(asRequest(sign()));
  let gate = gates[0]!;
  let nextGate = 0;
  return (_proof: string, n: number) => {
    if (n === 0) gate = gates[nextGate++]!;
    const outcome = gate.authenticateNow(requests[n]!);
    if (outcome instanceof Promise || outcome === null) throw new Error('gate: not answered at once');
  };
}
const GATE_ROW = 'Gatehouse DPoP gate (authenticateNow, cached token, memory replay store)';
rows[GATE_ROW] = await gateRow(createGatehouse, MemoryReplayStore);
const gateRows = [GATE_ROW];
if (values['baseline-src'] !== undefined) {
  const src = resolve(values['baseline-src']);
  const other = (await import(pathToFileURL(join(src, 'index.ts')).href)) as {
    createGatehouse: typeof createGatehouse;
    MemoryReplayStore: typeof MemoryReplayStore;
  };
  const name = `baseline DPoP gate (${values['baseline-src']})`;
  rows[name] = await gateRow(other.createGatehouse, other.MemoryReplayStore);
  gateRows.push(name);
}

/**
 * CPU µs per proof of one row over proofs [from, to). The VM this is built on drifts by a fifth
 * within seconds, so a round interleaves the rows in chunks of CHUNK proofs (order rotating) and
 * adds up each row's time: rows compared within a round then saw the same machine.
 */
const CHUNK = 250;
async function timeChunk(
  fn: (proof: string, n: number) => unknown,
  from: number,
  to: number,
): Promise<number> {
  const before = process.cpuUsage();
  for (let n = from; n < to; n++) await fn(proofs[n]!, n);
  const cpu = process.cpuUsage(before);
  return cpu.user + cpu.system;
}

const names = Object.keys(rows);
const samples = new Map<string, number[]>(names.map((name) => [name, []]));
async function round(): Promise<Map<string, number>> {
  const totals = new Map<string, number>(names.map((name) => [name, 0]));
  for (let from = 0, chunk = 0; from < proofs.length; from += CHUNK, chunk++) {
    const to = Math.min(from + CHUNK, proofs.length);
    for (let k = 0; k < names.length; k++) {
      const name = names[(k + chunk) % names.length]!;
      totals.set(name, totals.get(name)! + (await timeChunk(rows[name]!, from, to)));
    }
  }
  return totals;
}
await round(); // warm-up: JIT, OpenSSL contexts, key caches
for (let r = 0; r < ROUNDS; r++) {
  for (const [name, total] of await round()) samples.get(name)!.push(total / proofs.length);
}
// Per round, as the HTTP bench takes it: what DPoP adds to a request, over the floor of that round.
const overheadOf = (name: string) =>
  samples.get(name)!.map((us, r) => (us - samples.get(BEARER_ROW)![r]!) / samples.get(names[0]!)![r]!);
if (values.json) {
  const cost: GateCost = {
    floorUs: samples.get(names[0]!)!,
    bearerUs: samples.get(BEARER_ROW)!,
    gateUs: samples.get(GATE_ROW)!,
    overhead: overheadOf(GATE_ROW),
  };
  process.stdout.write(`${JSON.stringify(cost)}\n`);
} else {
  process.stdout.write(
    `${COUNT.toLocaleString('en-US')} distinct ES256 proofs of one key, ${ROUNDS} interleaved rounds, Node ${process.version}\n\n`,
  );
  const floor = median(samples.get(names[0]!)!);
  for (const name of names) {
    const us = median(samples.get(name)!);
    process.stdout.write(
      `${name.padEnd(64)}${us.toFixed(1).padStart(8)} µs  ${(us / floor).toFixed(2).padStart(5)}× floor  ${samples
        .get(name)!
        .map((x) => x.toFixed(1))
        .join(' ')}\n`,
    );
  }
  process.stdout.write('\n');
  for (const name of gateRows) {
    const overhead = overheadOf(name);
    process.stdout.write(
      `DPoP overhead (${name === GATE_ROW ? 'DPoP gate' : name} less Bearer) ÷ floor, per round: median ${median([...overhead]).toFixed(2)}×  ${overhead
        .map((x) => x.toFixed(2))
        .join(' ')}\n`,
    );
  }
}
for (const close of closers) close();
await issuer.close();
