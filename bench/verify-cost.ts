/**
 * `node bench/verify-cost.ts` — what one token's verification costs in process, without HTTP:
 * Gatehouse (cache off), jose's `jwtVerify`, and the floor (node:crypto RS256 check plus jose's
 * `decodeJwt`, no other checks), each over the same distinct tokens with 50 in flight, rounds
 * interleaved, medians reported. Pinned to core 1 when taskset works (`--no-pin` to keep it off).
 * Numbers are CPU microseconds per token; ratios compare rows of this run only.
 *
 *   node bench/verify-cost.ts [--tokens 10000] [--rounds 5] [--no-pin]
 */
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { createGatehouse } from 'gatehouse-auth';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { AUDIENCE, startIssuer } from './lib/issuer.ts';
import { median } from './lib/report.ts';
import { SignerPool } from './lib/signers.ts';
import { firstKey, floorCheck } from './servers/floor-crypto-verify.ts';

const { values } = parseArgs({
  options: {
    tokens: { type: 'string', default: '10000' },
    rounds: { type: 'string', default: '5' },
    'no-pin': { type: 'boolean', default: false },
  },
  strict: true,
});
const TOKENS = Number(values.tokens);
const ROUNDS = Number(values.rounds);
const IN_FLIGHT = 50;
if (!(TOKENS > 0 && ROUNDS > 0)) throw new Error('--tokens and --rounds must be positive');

const pinned =
  !values['no-pin'] &&
  spawnSync('taskset', ['-a', '-p', '-c', '1', String(process.pid)], { stdio: 'ignore' }).status === 0;

const issuer = await startIssuer();
const pool = new SignerPool(issuer, [undefined, undefined]);
const tokens = await pool.signMany(TOKENS);
pool.close();

const gh = createGatehouse({ issuer: issuer.issuer, audience: AUDIENCE, cache: { enabled: false } });
gh.start();
while (!gh.ready) await new Promise((resolve) => setTimeout(resolve, 10));
const requests = tokens.map((token) => ({ headers: { authorization: `Bearer ${token}` } }));
const jwks = createRemoteJWKSet(new URL(issuer.jwksUri));
const joseOptions = { issuer: issuer.issuer, audience: AUDIENCE, algorithms: ['RS256'] };
const floor = floorCheck(await firstKey(issuer.jwksUri));

const rows: Record<string, (i: number) => unknown> = {
  'Gatehouse (cache off)': (i) => gh.authenticate(requests[i]!),
  'jose jwtVerify': (i) => jwtVerify(tokens[i]!, jwks, joseOptions),
  'floor: crypto.verify + decodeJwt': (i) => {
    if (floor(tokens[i]!) === undefined) throw new Error('floor: signature refused');
  },
};

/** CPU µs per token over all tokens, IN_FLIGHT at a time (like 50 connections). */
async function once(fn: (i: number) => unknown): Promise<number> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < TOKENS) await fn(next++);
  };
  const before = process.cpuUsage();
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  const cpu = process.cpuUsage(before);
  return (cpu.user + cpu.system) / TOKENS;
}

const samples = new Map<string, number[]>(Object.keys(rows).map((name) => [name, []]));
for (const fn of Object.values(rows)) await once(fn); // warm-up: key imports, JIT
for (let round = 0; round < ROUNDS; round++) {
  const names = Object.keys(rows);
  for (let k = 0; k < names.length; k++) {
    const name = names[(k + round) % names.length]!;
    samples.get(name)!.push(await once(rows[name]!));
  }
}
gh.close();
await issuer.close();

const jose = median(samples.get('jose jwtVerify')!);
process.stdout.write(
  `${TOKENS.toLocaleString('en-US')} distinct RS256 tokens, ${IN_FLIGHT} in flight, ${ROUNDS} interleaved rounds, Node ${process.version}, ${pinned ? 'pinned to core 1' : 'not pinned'}\n\n`,
);
process.stdout.write(
  `${'verifier'.padEnd(36)}${'CPU µs/token'.padStart(14)}${'jose / this'.padStart(13)}  rounds\n`,
);
for (const [name, xs] of samples) {
  const m = median(xs);
  process.stdout.write(
    `${name.padEnd(36)}${m.toFixed(1).padStart(14)}${(jose / m).toFixed(2).padStart(13)}  ${xs.map((x) => x.toFixed(1)).join(' ')}\n`,
  );
}
