/**
 * README blocks that are whole programs, run as a reader would run them.
 *
 * - A server: a block with no context marker that makes a Fastify or Express application
 *   (`const app = Fastify(...)`, `const app = express()`) and adds routes to it. It is run with its
 *   issuer and audience replaced by the test's dev IdP and `api://todo` (the only edit: a README
 *   names `<tenant>`-style placeholders a reader fills in), listens on a free port, and every route
 *   it adds is called: a route marked `public: true` must answer 200 without a token, any other 401
 *   without one and 200 with a user token from the dev IdP.
 * - A program that ends by itself: a block with no context marker that starts a dev IdP
 *   (`startDevIdp(`). It is run in a scratch directory and must exit 0.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { CodeBlock } from './markdown.ts';

export interface Route {
  readonly method: string;
  readonly path: string;
  readonly isPublic: boolean;
}

export interface ServerProgram {
  readonly app: string;
  readonly routes: readonly Route[];
}

const APPLICATION = /^const (\w+) = (?:Fastify|express)\(/m;
const ROUTE = /\b(\w+)\.(get|post|put|patch|delete)\(\s*'([^']+)'([^\n]*)/g;

export function serverProgram(block: CodeBlock): ServerProgram | undefined {
  if (block.contexts.length > 0 || block.notRun !== undefined) return undefined;
  const app = APPLICATION.exec(block.code)?.[1];
  if (app === undefined) return undefined;
  const routes = [...block.code.matchAll(ROUTE)]
    .filter((m) => m[1] === app)
    .map((m) => ({ method: m[2]!.toUpperCase(), path: m[3]!, isPublic: /public: true/.test(m[4]!) }));
  return routes.length > 0 ? { app, routes } : undefined;
}

export function endsByItself(block: CodeBlock): boolean {
  return block.contexts.length === 0 && block.notRun === undefined && /\bstartDevIdp\(/.test(block.code);
}

/** The block as the test runs it: the dev IdP's issuer and audience in, and a listen at the end. */
export function writeServer(
  dir: string,
  name: string,
  block: CodeBlock,
  program: ServerProgram,
  trust: { issuer: string; audience: string },
): string {
  const file = join(dir, `${name}.ts`);
  const code = block.code
    .replace(/\bissuer: '[^']*'/g, `issuer: ${JSON.stringify(trust.issuer)}`)
    .replace(/\baudience: '[^']*'/g, `audience: ${JSON.stringify(trust.audience)}`);
  const listen = pathToFileURL(join(import.meta.dirname, 'listen.ts')).href;
  writeFileSync(file, `${code}\nawait (await import(${JSON.stringify(listen)})).listen(${program.app});\n`);
  return file;
}

export interface Running {
  readonly port: number;
  stop(): void;
}

/** Starts `node file` and waits for its `listening <port>` line. */
export function startServer(file: string, cwd: string): Promise<Running> {
  const child: ChildProcess = spawn(process.execPath, [file], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no "listening" line within 60 s:\n${output}`));
    }, 60_000);
    const read = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const port = /^listening (\d+)$/m.exec(output)?.[1];
      if (port === undefined) return;
      clearTimeout(timer);
      resolve({ port: Number(port), stop: () => child.kill('SIGKILL') });
    };
    child.stdout!.on('data', read);
    child.stderr!.on('data', read);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before listening:\n${output}`));
    });
  });
}

/**
 * Runs `node file ...args` to its end; resolves with its exit code and output. Never spawnSync: a
 * dev IdP in this process has to keep answering while the program runs.
 */
export function runToEnd(
  file: string,
  cwd: string,
  options: { args?: string[]; input?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<{ code: number | null; output: string; stdout: string }> {
  const child = spawn(process.execPath, [file, ...(options.args ?? [])], {
    cwd,
    env: options.env ?? process.env,
  });
  child.stdin.end(options.input ?? '');
  let stdout = '';
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
    output += chunk.toString('utf8');
  });
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
  return new Promise((resolve) => {
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output, stdout });
    });
  });
}
