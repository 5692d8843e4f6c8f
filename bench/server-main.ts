/**
 * One bench server per process: `node bench/server-main.ts <name> '<ServerConfig JSON>'`, started
 * by run.ts (pinned with taskset). Says `listening` over IPC, answers `cpu` with its CPU time, and
 * on `close` (or SIGTERM) shuts down and exits normally, so `--cpu-prof` gets written.
 */
import { getHeapSpaceStatistics } from 'node:v8';
import type { FromServer, MemoryReport, ServerConfig, StartServer, ToServer } from './lib/protocol.ts';

const [name, json] = process.argv.slice(2);
function send(message: FromServer): void {
  process.send?.(message);
}

let peakRss = 0;
let sampling = false;

async function memory(resetPeak: boolean): Promise<MemoryReport> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) {
    gc();
    gc();
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const m = process.memoryUsage();
  const report: MemoryReport = {
    type: 'memory',
    collected: gc !== undefined,
    rss: m.rss,
    peakRss: Math.max(peakRss, m.rss),
    heapTotal: m.heapTotal,
    heapUsed: m.heapUsed,
    external: m.external,
    arrayBuffers: m.arrayBuffers,
    spaces: getHeapSpaceStatistics().map((s) => ({
      name: s.space_name,
      committed: s.space_size,
      used: s.space_used_size,
    })),
  };
  if (resetPeak) {
    peakRss = m.rss;
    if (!sampling) {
      sampling = true;
      setInterval(() => {
        peakRss = Math.max(peakRss, process.memoryUsage.rss());
      }, 20).unref();
    }
  }
  return report;
}

async function main(): Promise<void> {
  if (!name || !json || !/^[a-z0-9-]+$/.test(name)) throw new Error('usage: server-main.ts <name> <config>');
  const config = JSON.parse(json) as ServerConfig;
  const { start } = (await import(`./servers/${name}.ts`)) as { start: StartServer };
  const started = await start(config);
  let closing = false;
  const close = async (): Promise<void> => {
    if (closing) return;
    closing = true;
    await Promise.race([started.close(), new Promise((resolve) => setTimeout(resolve, 3000))]);
    process.exit(0);
  };
  process.on('message', (message: ToServer) => {
    if (message.type === 'cpu') {
      const { user, system } = process.cpuUsage();
      send({ type: 'cpu', user, system, rss: process.memoryUsage.rss() });
    } else if (message.type === 'memory') {
      void memory(message.resetPeak).then(send);
    } else if (message.type === 'close') {
      void close();
    }
  });
  process.on('SIGTERM', () => void close());
  process.on('disconnect', () => void close());
  send({ type: 'listening', port: started.port });
}

main().catch((error: unknown) => {
  send({ type: 'failed', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  process.exit(1);
});
