/**
 * `node bench/dpop-proof-cost.ts` — what Gatehouse's DPoP proof check costs in process, without
 * HTTP, next to the floor (one ES256 `crypto.verify` of the signature as DER, KeyObject made once): CPU µs per proof
 * over distinct proofs of one client key, medians of interleaved rounds. `--baseline` adds the
 * `verifyProof` (before 0.2: async) or `checkProof` of another build of proof.ts (e.g. one checked out
 * from an earlier commit), so two
 * versions are compared in one run; the replay store row is the per-request cost of the default
 * `MemoryReplayStore` as the gate calls it.
 *
 *   node bench/dpop-proof-cost.ts [--proofs 20000] [--rounds 5] [--baseline path/to/proof.ts]
 */
import { createHash, createPublicKey, verify } from 'node:crypto';
import { resolve } from 'node:path';
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
import { AUDIENCE, startIssuer } from './lib/issuer.ts';
import { derSignature, FLOOR_ROW } from './lib/proof-floor.ts';
import { median } from './lib/report.ts';

const { values } = parseArgs({
  options: {
    proofs: { type: 'string', default: '20000' },
    rounds: { type: 'string', default: '5' },
    baseline: { type: 'string' },
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
    const dot = proof.lastIndexOf('.');
    const ok = verify(
      'sha256',
      Buffer.from(proof.slice(0, dot), 'latin1'),
      floorKey,
      derSignature(Buffer.from(proof.slice(dot + 1), 'base64url')),
    );
    if (!ok) throw new Error('floor: a valid proof did not verify');
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

/*
 * The whole gate as an adapter calls it (`authenticateNow`: the token from the verified-token cache,
 * the proof checked, the binding, the memory replay store), on request objects made before timing.
 * One Gatehouse per pass over the proofs, each with its own replay store: a pass replays the last.
 */
const gates: Gatehouse[] = [];
for (let i = 0; i <= ROUNDS; i++) {
  const gate = createGatehouse({
    issuer: issuer.issuer,
    audience: AUDIENCE,
    dpop: { mode: 'required', iatWindow: 600, replayStore: new MemoryReplayStore() },
  });
  gate.start();
  gates.push(gate);
}
while (!gates.every((gate) => gate.ready)) await new Promise((resolve) => setTimeout(resolve, 10));
const asRequest = (proof: string) => ({
  method: 'GET',
  url: '/items',
  headers: { host: '127.0.0.1:8080', authorization: `DPoP ${TOKEN}`, dpop: proof },
  rawHeaders: ['Host', '127.0.0.1:8080', 'Authorization', `DPoP ${TOKEN}`, 'DPoP', proof],
  socket: {},
});
// The first request of each gate verifies the token (async) and fills the cache, outside timing.
for (const gate of gates) await gate.authenticate(asRequest(sign()));
const requests = proofs.map(asRequest);
let gate = gates[0]!;
let nextGate = 0;
rows['Gatehouse DPoP gate (authenticateNow, cached token, memory replay store)'] = (_proof, n) => {
  if (n === 0) gate = gates[nextGate++]!;
  const outcome = gate.authenticateNow(requests[n]!);
  if (outcome instanceof Promise || outcome === null) throw new Error('gate: not answered at once');
};

async function once(fn: (proof: string, n: number) => unknown): Promise<number> {
  const before = process.cpuUsage();
  for (let n = 0; n < proofs.length; n++) await fn(proofs[n]!, n);
  const cpu = process.cpuUsage(before);
  return (cpu.user + cpu.system) / proofs.length;
}

const names = Object.keys(rows);
const samples = new Map<string, number[]>(names.map((name) => [name, []]));
for (const fn of Object.values(rows)) await once(fn); // warm-up: JIT, OpenSSL contexts, key caches
for (let round = 0; round < ROUNDS; round++) {
  for (let k = 0; k < names.length; k++) {
    const name = names[(k + round) % names.length]!;
    samples.get(name)!.push(await once(rows[name]!));
  }
}
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
for (const each of gates) each.close();
await issuer.close();
