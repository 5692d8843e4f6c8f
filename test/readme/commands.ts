/**
 * Whether a README command can work in this repository: `npm run X` names a script of the package
 * it runs in (the root, unless `--workspace` says another), `npx X` and bare `X` a bin we ship,
 * `node path` a file that exists, `node --test "glob"` some test file; every flag given to one of
 * our CLIs is one its `--help` lists; every environment variable set is one our code reads; a
 * `curl` to the to-do API names one of its routes.
 * Commands run from the repository root, as every README here writes them.
 */
import { globSync } from 'node:fs';
import { type Cli, OTHER_PROGRAMS, type RepoFacts } from './repo-facts.ts';
import type { ShellCommand } from './shell.ts';

/** The `--flags` among a CLI's arguments, up to a bare `--` (which ends the options). */
function flagsOf(args: readonly string[]): string[] {
  const end = args.indexOf('--');
  return (end === -1 ? args : args.slice(0, end))
    .filter((arg) => /^--[a-z]/.test(arg))
    .map((arg) => arg.split('=')[0]!);
}

function checkFlags(cli: Cli, args: readonly string[], name: string): string[] {
  return flagsOf(args)
    .filter((flag) => !cli.flags.has(flag))
    .map((flag) => `${name}: ${flag} is not a flag its --help lists (${[...cli.flags].join(' ')})`);
}

function checkNpm(facts: RepoFacts, args: readonly string[]): string[] {
  const [sub, ...rest] = args;
  let dir = '';
  const words: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const word = rest[i]!;
    if (word === '--') {
      words.push(...rest.slice(i));
      break;
    }
    if (word === '--workspace' || word === '-w') {
      const target = rest[++i]!;
      dir = facts.packages.get(target) ?? target;
    } else if (!/^-/.test(word)) words.push(word);
  }
  const scripts = facts.scripts(dir);
  const where = dir === '' ? 'the root package.json' : `${dir}/package.json`;
  switch (sub) {
    case 'start':
    case 'test':
      return sub in scripts ? [] : [`npm ${sub}: no "${sub}" script in ${where}`];
    case 'run':
    case 'run-script': {
      const [name, dashes, ...scriptArgs] = words;
      if (name === undefined) return ['npm run without a script name'];
      if (!(name in scripts)) return [`npm run ${name}: no such script in ${where}`];
      if (dashes !== '--') return [];
      const file = /^node ([\w./-]+)$/.exec(scripts[name]!)?.[1];
      const cli = file === undefined ? undefined : facts.cliAt(file);
      return cli ? checkFlags(cli, scriptArgs, `npm run ${name}`) : [];
    }
    case 'install':
    case 'i':
      // Other packages are the reader's choice; a gatehouse one must be one of ours.
      return words
        .filter((name) => name.startsWith('gatehouse') && !facts.packages.has(name))
        .map((name) => `npm install ${name}: no package of that name in this repository`);
    default:
      return [`npm ${sub}: not a command these READMEs are checked for`];
  }
}

function checkNode(facts: RepoFacts, args: readonly string[]): string[] {
  if (args[0] === '--test') {
    const patterns = args.slice(1).filter((arg) => !arg.startsWith('-'));
    if (patterns.length === 0) return ['node --test without a file pattern'];
    return patterns
      .filter((pattern) => globSync(pattern, { cwd: facts.root }).length === 0)
      .map((pattern) => `node --test "${pattern}": matches no file`);
  }
  const index = args.findIndex((arg) => !arg.startsWith('-'));
  const path = args[index];
  if (path === undefined) return ['node without a file to run'];
  if (!facts.runnable(path)) return [`node ${path}: no such file`];
  const cli = facts.cliAt(path);
  return cli ? checkFlags(cli, args.slice(index + 1), `node ${path}`) : [];
}

/** Where the READMEs run the to-do API: `PORT`'s default, and the second instance's port. */
const TO_DO_API = /^http:\/\/(?:127\.0\.0\.1|localhost):(?:3000|3010)(\/[^?#\s]*)/;

/** A `curl` to the to-do API names one of its routes (an item's path by its collection). */
function checkCurl(facts: RepoFacts, args: readonly string[]): string[] {
  return args.flatMap((arg) => {
    const path = TO_DO_API.exec(arg)?.[1];
    if (path === undefined) return [];
    const known = facts.toDoApiPaths.has(path) || facts.toDoApiPaths.has(path.replace(/\/[^/]+$/, ''));
    return known ? [] : [`curl ${arg}: the to-do API has no route ${path}`];
  });
}

export function checkCommand(facts: RepoFacts, command: ShellCommand): string[] {
  const problems = command.env
    .filter((name) => !facts.readsEnv(name))
    .map((name) => `${name}: no code in this repository reads this variable`);
  const [program, ...args] = command.argv;
  if (program === undefined || program === 'export') return problems;
  if (program === 'npm') return [...problems, ...checkNpm(facts, args)];
  if (program === 'node') return [...problems, ...checkNode(facts, args)];
  if (program === 'npx') {
    const [name, ...rest] = args;
    const cli = name === undefined ? undefined : facts.bins.get(name);
    if (!cli) return [...problems, `npx ${name}: not a bin of this repository's packages`];
    return [...problems, ...checkFlags(cli, rest, name!)];
  }
  const bin = facts.bins.get(program);
  if (bin) return [...problems, ...checkFlags(bin, args, program)];
  if (program === 'curl') return [...problems, ...checkCurl(facts, args)];
  if (OTHER_PROGRAMS.has(program)) return problems;
  return [...problems, `${program}: neither ours nor a program these READMEs are expected to use`];
}
