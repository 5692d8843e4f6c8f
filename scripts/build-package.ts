/**
 * Builds the package in the current directory: its `src/` compiled by `tsc -p tsconfig.build.json`
 * into `dist/` (ESM JavaScript, `.d.ts`, declaration and source maps). `dist/` is removed first so a
 * renamed or deleted module never lingers in a tarball. Run by each published package's `build`
 * and `prepack` scripts, and for all of them by the root `build` (which `npm install` runs).
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';

const dir = process.cwd();
const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
  name: string;
  bin?: Record<string, string>;
};
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

rmSync(join(dir, 'dist'), { recursive: true, force: true });
const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], {
  cwd: dir,
  stdio: 'inherit',
});
if (result.status !== 0) {
  process.stderr.write(`build: tsc failed for ${manifest.name}\n`);
  process.exit(result.status ?? 1);
}
// Hand-written declarations (types for an untyped dependency) are inputs to tsc, never outputs:
// ship them beside the declarations that reference them.
for (const file of readdirSync(join(dir, 'src'), { recursive: true, encoding: 'utf8' })) {
  if (file.endsWith('.d.ts')) copyFileSync(join(dir, 'src', file), join(dir, 'dist', file));
}
// npm marks bins executable on install; a bin run straight from the workspace needs it too.
for (const bin of Object.values(manifest.bin ?? {})) {
  const file = resolve(dir, bin);
  if (!existsSync(file)) {
    process.stderr.write(`build: ${manifest.name}: bin ${bin} was not built\n`);
    process.exit(1);
  }
  chmodSync(file, 0o755);
}
process.stdout.write(`build: ${manifest.name} -> dist/\n`);
