/**
 * One wrk run against one server. wrk is C: one of its threads drives 50 connections with a
 * fraction of the CPU autocannon needs, so the fast baselines are measured at the server's limit
 * rather than the load generator's. Tokens go to a file the Lua script reads once; a run with one
 * token sends a static request, a run with many builds each request with the next token.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LoadOptions, LoadResult } from './load.ts';

/** Whether `wrk` is on the PATH. */
export function wrkAvailable(): boolean {
  return spawnSync('wrk', ['--version'], { stdio: 'ignore' }).error === undefined;
}

// done() runs once after the run; os.clock() is wrk's own CPU time (all threads); one JSON line on stdout carries what the report needs.
// errors.status counts answers outside 2xx/3xx, so 2xx = requests − status errors here.
// proofsRunOut() exists only in the DPoP script.
const SUMMARY = `
function done(summary, latency, requests)
  local e = summary.errors
  local runOut = 0
  if proofsRunOut then runOut = proofsRunOut() end
  io.write(string.format('{"wrkSummary":true,"requests":%d,"durationUs":%d,"status":%d,"connect":%d,"read":%d,"write":%d,"timeout":%d,"p50Us":%d,"p99Us":%d,"cpuS":%.6f,"runOut":%d}\\n',
    summary.requests, summary.duration, e.status, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(99), os.clock(), runOut))
end
`;

// Every request carries the next token of the file, round-robin over all connections of the thread.
const TOKENS = `
local tokens = {}
local count = 0
local at = 0
local path = '/'
function init(args)
  path = args[1]
  for line in io.lines(args[2]) do
    count = count + 1
    tokens[count] = 'Bearer ' .. line
  end
end
function request()
  at = at % count + 1
  return wrk.format('GET', path, { Authorization = tokens[at] })
end
`;

// Every request carries the token with the DPoP scheme and the next proof of the file, each proof
// once. Should the proofs run out, requests go without one: the server refuses them, and the
// count (read from the thread's state by done(), hence the globals) marks the run as broken.
const DPOP = `
local proofs = {}
local path = '/'
local authorization = ''
count = 0
used = 0
runOut = 0
local threads = {}
function setup(thread)
  table.insert(threads, thread)
end
function proofsRunOut()
  local n = 0
  for _, thread in ipairs(threads) do n = n + thread:get('runOut') end
  return n
end
function init(args)
  path = args[1]
  authorization = 'DPoP ' .. args[2]
  for line in io.lines(args[3]) do
    count = count + 1
    proofs[count] = line
  end
end
function request()
  if used < count then
    used = used + 1
    return wrk.format('GET', path, { Authorization = authorization, DPoP = proofs[used] })
  end
  runOut = runOut + 1
  return wrk.format('GET', path, { Authorization = authorization })
end
`;

interface WrkSummary {
  requests: number;
  durationUs: number;
  status: number;
  connect: number;
  read: number;
  write: number;
  timeout: number;
  p50Us: number;
  p99Us: number;
  cpuS: number;
  runOut: number;
}

/** Runs wrk with one thread (this process's CPU affinity is inherited: run.ts pins it to the load core). */
export async function wrkLoad(options: LoadOptions): Promise<LoadResult> {
  const { url, connections, duration, token, tokens, dpop } = options;
  if (options.amount !== undefined) throw new Error('wrk runs for a duration, not an amount');
  const dir = await mkdtemp(join(tmpdir(), 'gatehouse-bench-wrk-'));
  try {
    const script = join(dir, 'run.lua');
    const args = ['-t1', `-c${connections}`, `-d${Math.max(1, Math.round(duration))}s`, '--timeout', '10s'];
    const path = new URL(url).pathname;
    if (dpop) {
      const file = join(dir, 'proofs.txt');
      await writeFile(file, `${dpop.proofs.join('\n')}\n`);
      await writeFile(script, DPOP + SUMMARY);
      args.push('-s', script, url, '--', path, dpop.token, file);
    } else if (tokens && tokens.length > 0) {
      const file = join(dir, 'tokens.txt');
      await writeFile(file, `${tokens.join('\n')}\n`);
      await writeFile(script, TOKENS + SUMMARY);
      args.push('-s', script, url, '--', path, file);
    } else {
      await writeFile(script, SUMMARY);
      if (token) args.push('-H', `Authorization: Bearer ${token}`);
      args.push('-s', script, url);
    }
    const out = await run(args);
    const line = out.split('\n').find((l) => l.startsWith('{"wrkSummary"'));
    if (!line) throw new Error(`wrk printed no summary: ${out.trim().split('\n').slice(-3).join(' | ')}`);
    const w = JSON.parse(line) as WrkSummary;
    const seconds = w.durationUs / 1e6;
    return {
      rps: (w.requests - w.status) / seconds,
      p50: w.p50Us / 1000,
      p99: w.p99Us / 1000,
      completed: w.requests,
      non2xx: w.status,
      errors: w.connect + w.read + w.write + w.timeout,
      duration: seconds,
      cpuUs: w.cpuS * 1e6,
      ...(dpop ? { proofsRunOut: w.runOut } : {}),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function run(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('wrk', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      err = (err + chunk).slice(-2000);
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code === 0) resolve(out);
      else reject(new Error(`wrk exited with ${code}: ${err.trim() || out.trim().slice(-500)}`));
    });
  });
}
