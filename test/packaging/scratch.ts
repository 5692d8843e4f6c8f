/**
 * What the packaging tests need to act as an outside user: pack the published packages, make a
 * project in a temporary directory outside the repository, install the tarballs there (no
 * workspace links, no path imports), and run processes in it with a chosen Node binary.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');

/** The packages we publish: workspace folder and npm name. */
export const PUBLISHED = [
  { dir: 'packages/gatehouse', name: 'gatehouse-auth' },
  { dir: 'packages/dev-idp', name: 'gatehouse-dev-idp' },
  { dir: 'apps/todo-cli', name: 'gatehouse-todo' },
] as const;

export interface Packed {
  name: string;
  /** Absolute path of the .tgz file. */
  tarball: string;
  /** Paths inside the tarball, relative to its `package/` folder. */
  files: string[];
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end; never rejects on a non-zero exit (the caller asserts on `code`). */
export async function run(
  command: string,
  args: readonly string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number },
): Promise<RunResult> {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk;
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk;
  });
  // A child that exits without reading its input (`node --version`) closes the pipe first: the
  // EPIPE that follows is expected, not a failure of the command.
  child.stdin.on('error', () => {});
  child.stdin.end(options.input ?? '');
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 300_000);
  const [code] = (await once(child, 'close')) as [number | null];
  clearTimeout(timer);
  return { code, stdout, stderr };
}

/** `npm pack` of every published package into `destination`, with its file list. */
export async function packAll(destination: string): Promise<Packed[]> {
  // The packages were built by `npm test`'s pretest (or `npm install`'s prepare); packing must not
  // rebuild them (`--ignore-scripts`), or other test files importing dist/ would see it vanish.
  const workspaces = PUBLISHED.flatMap((p) => ['--workspace', p.dir]);
  const result = await run(
    'npm',
    ['pack', '--json', '--ignore-scripts', '--pack-destination', destination, ...workspaces],
    { cwd: ROOT },
  );
  if (result.code !== 0) throw new Error(`npm pack failed:\n${result.stderr}`);
  const entries = JSON.parse(result.stdout) as {
    name: string;
    filename: string;
    files: { path: string }[];
  }[];
  return entries.map((entry) => ({
    name: entry.name,
    tarball: join(destination, entry.filename),
    files: entry.files.map((f) => f.path).sort(),
  }));
}

/** A new directory outside the repository (the OS temp dir), for one test run. */
export function scratchDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  if (resolve(dir).startsWith(`${ROOT}/`))
    throw new Error('the scratch directory must be outside the repository');
  return dir;
}

/**
 * The Node binary of a given version line: this process's own when it matches, otherwise the npm
 * package `node@<version>` installed once under node_modules/.cache (the way .ci/run gets Node 24).
 * GATEHOUSE_NODE_<MAJOR> names a binary to use instead.
 */
export async function nodeBinary(version: string): Promise<string> {
  if (process.versions.node === version) return process.execPath;
  const major = version.split('.')[0];
  const fromEnv = process.env[`GATEHOUSE_NODE_${major}`];
  if (fromEnv) return fromEnv;
  const prefix = join(ROOT, 'node_modules/.cache', `node-${version}`);
  const binary = join(prefix, 'node_modules/node/bin/node');
  if (!existsSync(binary)) {
    // Both packaging test files may get here at once: each installs into a folder of its own and
    // renames it into place, so neither ever runs a half-installed Node.
    const staging = `${prefix}.${process.pid}`;
    mkdirSync(staging, { recursive: true });
    const result = await run(
      'npm',
      [
        'install',
        '--no-save',
        '--no-package-lock',
        '--no-audit',
        '--no-fund',
        '--prefix',
        staging,
        `node@${version}`,
      ],
      { cwd: staging },
    );
    if (result.code !== 0) throw new Error(`could not install node@${version}:\n${result.stderr}`);
    try {
      renameSync(staging, prefix);
    } catch {
      rmSync(staging, { recursive: true, force: true }); // the other one was first
    }
    if (!existsSync(binary)) throw new Error(`could not install node@${version}: no ${binary}`);
  }
  return binary;
}

/** A server process started from the scratch project; resolves once it prints `listening`. */
export interface Started {
  child: ChildProcess;
  output: () => string;
  stop: () => Promise<void>;
}

export async function startProcess(
  node: string,
  args: readonly string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; ready: RegExp; timeoutMs?: number },
): Promise<Started> {
  const child = spawn(node, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await once(child, 'exit');
    clearTimeout(timer);
  };
  await new Promise<void>((ready, fail) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`${args.join(' ')} did not start:\n${output}`));
    }, options.timeoutMs ?? 30_000);
    const onData = (chunk: Buffer) => {
      output += chunk;
      if (options.ready.test(output)) {
        clearTimeout(timer);
        ready();
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      // Rejecting after `ready` is a no-op; before it, start-up failed.
      fail(new Error(`${args.join(' ')} exited with ${code} during start-up:\n${output}`));
    });
  });
  return { child, output: () => output, stop };
}

/** The version range the repository itself uses for a dependency, so the scratch project matches it. */
export function repoRange(name: string): string {
  for (const file of [
    'package.json',
    'packages/gatehouse/package.json',
    'apps/todo-api/package.json',
    'apps/todo-cli/package.json',
    'bench/package.json',
  ]) {
    const manifest = JSON.parse(readFileSync(join(ROOT, file), 'utf8')) as Record<
      string,
      Record<string, string> | undefined
    >;
    const range = manifest.devDependencies?.[name] ?? manifest.dependencies?.[name];
    if (range) return range;
  }
  throw new Error(`no version range for ${name} in the repository`);
}
