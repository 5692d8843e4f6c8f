/** Real child processes for the browser tests: the to-do API and the web app, on free ports. */
import { resolve } from 'node:path';
import {
  type NodeProcess,
  startNode as startNodeProcess,
  waitUntilReady,
} from 'gatehouse-test-support/processes';

export const ROOT = resolve(import.meta.dirname, '../../../..');

export type Child = NodeProcess;

/** `node <entry>` from the repository root, with `env` and nothing of this process's but PATH and HOME. */
export function startNode(entry: string, env: Record<string, string>): Child {
  return startNodeProcess([entry], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LOG_LEVEL: 'warn', ...env },
  });
}

/** Resolves once `url` answers 200; fails with the child's output if it exits or takes too long. */
export function waitFor(url: string, child: Child, timeoutMs = 15_000): Promise<void> {
  return waitUntilReady(
    url,
    child,
    async () => (await fetch(url, { signal: AbortSignal.timeout(1000) })).ok,
    {
      timeoutMs,
      intervalMs: 100,
    },
  );
}
