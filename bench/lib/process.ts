/** Starting a bench server in its own process (pinned to a core when possible) and talking to it. */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { FromServer, MemoryReport, ServerConfig, ToServer } from './protocol.ts';

const MAIN = fileURLToPath(new URL('../server-main.ts', import.meta.url));

export interface CpuSample {
  /** Microseconds of user + system CPU. */
  cpu: number;
  rss: number;
}

export interface ServerProcess {
  name: string;
  port: number;
  pid: number;
  cpu(): Promise<CpuSample>;
  /** Memory after a forced GC (when started with --expose-gc), and the peak RSS since the last reset. */
  memory(resetPeak: boolean): Promise<MemoryReport>;
  stop(): Promise<void>;
  /** The last lines the process wrote to stderr. */
  stderr(): string;
}

export interface SpawnOptions {
  /** Core to pin to with taskset; none when undefined. */
  cpu: number | undefined;
  execArgv?: readonly string[];
  env?: Record<string, string>;
  startTimeoutMs?: number;
}

export async function startServer(
  name: string,
  config: ServerConfig,
  options: SpawnOptions,
): Promise<ServerProcess> {
  const nodeArgs = [...(options.execArgv ?? []), MAIN, name, JSON.stringify(config)];
  const child: ChildProcess = spawn(
    options.cpu === undefined ? process.execPath : 'taskset',
    options.cpu === undefined ? nodeArgs : ['-c', String(options.cpu), process.execPath, ...nodeArgs],
    {
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      env: { ...process.env, NODE_ENV: 'production', ...options.env },
    },
  );
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // A server that died under load must not take the orchestrator with it: the IPC write that
  // finds it gone (EPIPE) is reported by the next request's timeout or the exit above.
  child.on('error', (error) => {
    stderr = `${stderr}\n[bench] ${error.message}`.slice(-4000);
  });
  const waiters: ((message: FromServer) => void)[] = [];
  child.on('message', (message: FromServer) => {
    for (const waiter of waiters.splice(0)) waiter(message);
  });
  const next = (timeoutMs: number): Promise<FromServer> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${name}: no answer in ${timeoutMs} ms`)), timeoutMs);
      waiters.push((message) => {
        clearTimeout(timer);
        resolve(message);
      });
      exited.then(() => {
        clearTimeout(timer);
        reject(new Error(`${name} exited: ${stderr.trim().split('\n').slice(-5).join(' | ')}`));
      });
    });

  const first = await next(options.startTimeoutMs ?? 20_000).catch((error: unknown) => {
    child.kill('SIGKILL');
    throw error;
  });
  if (first.type !== 'listening') {
    child.kill('SIGKILL');
    throw new Error(
      first.type === 'failed' ? first.message.split('\n')[0] : `${name}: unexpected ${first.type}`,
    );
  }
  const send = (message: ToServer): void => {
    if (child.connected) child.send(message);
  };
  return {
    name,
    port: first.port,
    pid: child.pid ?? -1,
    cpu: async () => {
      const reply = next(5000);
      send({ type: 'cpu' });
      const message = await reply;
      if (message.type !== 'cpu') throw new Error(`${name}: unexpected ${message.type}`);
      return { cpu: message.user + message.system, rss: message.rss };
    },
    memory: async (resetPeak) => {
      const reply = next(10_000);
      send({ type: 'memory', resetPeak });
      const message = await reply;
      if (message.type !== 'memory') throw new Error(`${name}: unexpected ${message.type}`);
      return message;
    },
    stop: async () => {
      send({ type: 'close' });
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
    stderr: () => stderr,
  };
}
