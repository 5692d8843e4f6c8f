/**
 * `node bench/dpop-floor.ts` — what one ES256 DPoP proof signature costs to verify in process
 * (CPU µs per proof, medians over interleaved rounds), the floor next to which `npm run bench --
 * --cases dpop` sets the DPoP overhead it measures over HTTP. run.ts runs it pinned to the
 * servers' core with `--json`.
 *
 *   node bench/dpop-floor.ts [--proofs 2000] [--rounds 5] [--json]
 */
import { parseArgs } from 'node:util';
import { measureProofFloor } from './lib/proof-floor.ts';

const { values } = parseArgs({
  options: {
    proofs: { type: 'string', default: '2000' },
    rounds: { type: 'string', default: '5' },
    json: { type: 'boolean', default: false },
  },
  strict: true,
});
const count = Number(values.proofs);
const rounds = Number(values.rounds);
if (!(count > 0 && rounds > 0)) throw new Error('--proofs and --rounds must be positive');

const rows = await measureProofFloor(count, rounds);
if (values.json) {
  process.stdout.write(`${JSON.stringify(rows)}\n`);
} else {
  process.stdout.write(
    `${count.toLocaleString('en-US')} distinct ES256 proofs, ${rounds} interleaved rounds, Node ${process.version}\n\n`,
  );
  for (const row of rows)
    process.stdout.write(
      `${row.name.padEnd(68)}${row.us.toFixed(1).padStart(8)} µs  ${row.rounds.map((x) => x.toFixed(1)).join(' ')}\n`,
    );
}
