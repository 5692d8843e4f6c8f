/**
 * How busy a core was, from /proc/stat (Linux): with the server pinned there, the core's busy time
 * less the server's own CPU time is what other processes took from it during a run.
 */
import { readFileSync } from 'node:fs';

export interface CoreTimes {
  busy: number;
  total: number;
}

/** Jiffies of one core, or undefined where /proc/stat is not available. */
export function coreTimes(cpu: number): CoreTimes | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8')
      .split('\n')
      .find((l) => l.startsWith(`cpu${cpu} `));
    if (!line) return undefined;
    const [user, nice, system, idle, iowait, irq, softirq, steal] = line
      .trim()
      .split(/\s+/)
      .slice(1)
      .map(Number);
    const busy = (user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0);
    return { busy, total: busy + (idle ?? 0) + (iowait ?? 0) };
  } catch {
    return undefined;
  }
}

/** The fraction of the interval the core was busy. */
export function busyBetween(before: CoreTimes | undefined, after: CoreTimes | undefined): number | undefined {
  if (!before || !after || after.total <= before.total) return undefined;
  return (after.busy - before.busy) / (after.total - before.total);
}
