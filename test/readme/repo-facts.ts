/**
 * What a README command may name, read from the repository itself: the scripts of each package,
 * the bins the packages ship, the flags each of our CLIs lists in its `--help`, and the environment
 * variables our code reads. Nothing here is a list kept by hand, except the few programs that are
 * not ours (`curl`, `psql`, ...) and Node's own variables.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, globSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

interface PackageJson {
  readonly name: string;
  readonly main?: string;
  readonly scripts?: Record<string, string>;
  readonly bin?: Record<string, string>;
  readonly workspaces?: string[];
}

/** One of our command-line programs: how to run it, and the flags its `--help` lists. */
export interface Cli {
  /** Repository path of the file `node` runs. */
  readonly entry: string;
  readonly help: string;
  readonly flags: ReadonlySet<string>;
}

export interface RepoFacts {
  readonly root: string;
  /** Package directory ('' for the root) by package name. */
  readonly packages: ReadonlyMap<string, string>;
  scripts(dir: string): Readonly<Record<string, string>>;
  /** Bin name → its CLI. */
  readonly bins: ReadonlyMap<string, Cli>;
  /** The CLI a `node <path>` runs, when the path is one of ours that has a `--help`. */
  cliAt(path: string): Cli | undefined;
  /** Whether `node <path>` finds something to run. */
  runnable(path: string): boolean;
  /** Whether our code (or Node, or a library we configure through it) reads this variable. */
  readsEnv(name: string): boolean;
  /** Paths the to-do API's source names as string literals (`'/api/todos'`, `'/ready'`). */
  readonly toDoApiPaths: ReadonlySet<string>;
}

/** Programs that are not ours; README commands may use them as they like. */
export const OTHER_PROGRAMS = new Set(['curl', 'open', 'psql', 'openssl', 'chmod', 'echo', 'tail', 'cat']);

/**
 * Variables read by Node itself or by an OpenTelemetry SDK preload (which the API's README tells
 * readers to configure with them); the to-do API only looks at whether they are set.
 */
const OTHERS_ENV = /^(NODE_EXTRA_CA_CERTS|NODE_OPTIONS|NODE_ENV|OTEL_[A-Z_]+)$/;

function readJson(path: string): PackageJson {
  return JSON.parse(readFileSync(path, 'utf8')) as PackageJson;
}

function helpOf(root: string, entry: string): Cli {
  const run = spawnSync(process.execPath, [entry, '--help'], {
    cwd: root,
    encoding: 'utf8',
    timeout: 30_000,
  });
  // Some usages go to stderr; either way `--help` must succeed.
  const help = `${run.stdout}${run.stderr}`;
  if (run.status !== 0) throw new Error(`node ${entry} --help exited ${run.status}: ${help}`);
  const flags = new Set(['--help', ...[...help.matchAll(/(?<![\w-])--[a-z][a-z0-9-]*/g)].map((m) => m[0])]);
  return { entry, help, flags };
}

/** Words in our own source that look like environment variable names. */
function sourceWords(root: string): Set<string> {
  const files = globSync(
    [
      'apps/*/src/**/*.ts',
      'packages/*/src/**/*.ts',
      'scripts/**/*.ts',
      'bench/**/*.ts',
      'examples/**/*.{ts,cjs}',
    ],
    { cwd: root },
  ).filter((path) => !path.includes('node_modules'));
  const words = new Set<string>();
  for (const file of files) {
    for (const m of readFileSync(join(root, file), 'utf8').matchAll(/\b[A-Z][A-Z0-9_]{2,}\b/g))
      words.add(m[0]);
  }
  return words;
}

export function readRepoFacts(root: string): RepoFacts {
  const rootPackage = readJson(join(root, 'package.json'));
  const packages = new Map<string, string>([[rootPackage.name, '']]);
  const manifests = new Map<string, PackageJson>([['', rootPackage]]);
  for (const dir of rootPackage.workspaces ?? []) {
    const manifest = readJson(join(root, dir, 'package.json'));
    packages.set(manifest.name, dir);
    manifests.set(dir, manifest);
  }

  const clis = new Map<string, Cli>();
  const cli = (entry: string): Cli => {
    const known = clis.get(entry) ?? helpOf(root, entry);
    clis.set(entry, known);
    return known;
  };
  const bins = new Map<string, Cli>();
  /** The TypeScript source a bin is built from: `node packages/x/src/cli.ts` is the same program. */
  const binSources = new Map<string, Cli>();
  for (const [dir, manifest] of manifests) {
    for (const [name, target] of Object.entries(manifest.bin ?? {})) {
      const entry = join(dir, target);
      bins.set(name, cli(entry));
      binSources.set(entry.replace(/(^|\/)dist\//, '$1src/').replace(/\.js$/, '.ts'), cli(entry));
      binSources.set(dir, cli(entry));
    }
  }
  // Root scripts that are `node <file>` with a usage of their own (`npm run token -- --user alice`);
  // only those are asked for `--help`, since `npm start`'s script would start the system instead.
  for (const command of Object.values(rootPackage.scripts ?? {})) {
    const file = /^node ([\w./-]+\.ts)$/.exec(command)?.[1];
    if (file && /\bhelp:|\busage\b/.test(readFileSync(join(root, file), 'utf8')))
      binSources.set(file, cli(file));
  }

  const words = sourceWords(root);
  const toDoApiPaths = new Set(
    globSync('apps/todo-api/src/**/*.ts', { cwd: root }).flatMap((file) =>
      [...readFileSync(join(root, file), 'utf8').matchAll(/'(\/[\w./-]*)'/g)].map((m) => m[1]!),
    ),
  );
  const normal = (path: string) => path.replace(/^\.\//, '').replace(/\/$/, '');
  return {
    root,
    packages,
    scripts: (dir) => manifests.get(dir)?.scripts ?? {},
    bins,
    cliAt: (path) => binSources.get(normal(path)),
    runnable: (path) => {
      const full = join(root, path);
      if (!existsSync(full)) return false;
      if (!statSync(full).isDirectory()) return true;
      const main = manifests.get(normal(path))?.main;
      return main !== undefined && existsSync(join(full, main));
    },
    readsEnv: (name) => words.has(name) || OTHERS_ENV.test(name),
    toDoApiPaths,
  };
}
