/** Node child processes for end-to-end tests: started, watched, and stopped the same way everywhere. */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';

export interface NodeProcess {
  child: ChildProcess;
  /** Everything it printed on stdout and stderr so far, for failure messages. */
  output(): string;
  /** SIGTERM, SIGKILL if it is still running after the grace period; resolves once it exited. */
  stop(): Promise<void>;
}

export interface StartNodeOptions {
  /** The whole environment of the child: nothing of this process's is added. */
  env: Record<string, string | undefined>;
  cwd?: string;
  /** How long `stop()` waits after SIGTERM before SIGKILL. @default 5000 */
  graceMs?: number;
}

/** Runs `node <args>` with stdin closed and its output collected. */
export function startNode(args: string[], options: StartNodeOptions): NodeProcess {
  const child = spawn(process.execPath, args, {
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (chunk: string) => {
    output += chunk;
  };
  child.stdout?.setEncoding('utf8').on('data', collect);
  child.stderr?.setEncoding('utf8').on('data', collect);
  return {
    child,
    output: () => output,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), options.graceMs ?? 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * Polls `check` until it returns true. Fails at once, with the process's output, if the process
 * exits first, and with its output too when `timeoutMs` passes. A check that throws counts as "not
 * yet" (the server is not listening yet).
 */
export async function waitUntilReady(
  what: string,
  proc: NodeProcess,
  check: () => Promise<boolean>,
  { timeoutMs = 60_000, intervalMs = 50 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.child.exitCode !== null) throw new Error(`${what}: the process exited:\n${proc.output()}`);
    if (await check().catch(() => false)) return;
    await new Promise((done) => setTimeout(done, intervalMs));
  }
  throw new Error(`timed out waiting for ${what} (${timeoutMs} ms):\n${proc.output()}`);
}
