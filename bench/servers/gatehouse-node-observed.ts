/**
 * `gatehouse-node` with a subscriber on each of Gatehouse's diagnostics channels, counting events
 * by outcome and code as a metrics exporter would: the price of observability, measured in the
 * same run as the row without subscribers.
 */
import { subscribe } from 'node:diagnostics_channel';
import { type CacheEvent, DIAGNOSTICS_CHANNELS, type KeysEvent, type VerifyEvent } from 'gatehouse-auth';
import type { StartServer } from '../lib/protocol.ts';
import { start as startPlain } from './gatehouse-node.ts';

export const start: StartServer = async (config) => {
  const counts = new Map<string, number>();
  const count = (key: string): void => {
    counts.set(key, (counts.get(key) ?? 0) + 1);
  };
  let seconds = 0;
  const onVerify = (message: unknown): void => {
    const event = message as VerifyEvent;
    count(`${event.outcome}:${event.code ?? ''}:${event.issuer ?? ''}`);
    seconds += event.durationMs / 1000;
  };
  const onKeys = (message: unknown): void => {
    const event = message as KeysEvent;
    count(`keys:${event.issuer}:${event.outcome}`);
  };
  const onCache = (message: unknown): void => count(`cache:${(message as CacheEvent).result}`);
  subscribe(DIAGNOSTICS_CHANNELS.verify, onVerify);
  subscribe(DIAGNOSTICS_CHANNELS.keys, onKeys);
  subscribe(DIAGNOSTICS_CHANNELS.cache, onCache);
  const started = await startPlain(config);
  return {
    port: started.port,
    close: async () => {
      await started.close();
      // Read once so the counting cannot be optimised away.
      if (counts.size === 0 && seconds < 0) process.stderr.write('no events\n');
    },
  };
};
