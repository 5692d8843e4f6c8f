/**
 * Prints where a CPU profile's time went: `node bench/profile-summary.ts <file.cpuprofile> [top]`.
 * run.ts calls the same code on the Gatehouse-on-Fastify profile it records.
 */
import { profileMarkdown, summarizeFile } from './lib/profile.ts';

const [file] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: node bench/profile-summary.ts <file.cpuprofile>\n');
  process.exit(2);
}
process.stdout.write(`${profileMarkdown(await summarizeFile(file))}\n`);
