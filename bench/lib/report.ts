/** Turns the samples into the tables: medians over rounds, ratios, and the auth cost per request. */
import { type CaseName, FRAMEWORK_BASELINE, REFERENCE, SERVERS, type ServerSpec } from './catalog.ts';
import type { GateCost } from './dpop-report.ts';
import { median } from './median.ts';
import type { FloorRow } from './proof-floor.ts';

export { median };

export interface Sample {
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  /** Server CPU microseconds per completed request. */
  cpuUsPerReq: number;
  /** Server CPU time over wall time during the run (1 = one core fully busy). */
  busy: number;
  /** The load generator's (this process's) CPU time over wall time. */
  loadBusy: number;
  /** The largest share of either pinned core other processes used during the run (NaN when unknown). */
  others: number;
  /** DPoP runs: requests sent without a proof because the proofs ran out. */
  proofsRunOut?: number;
}

export interface Row {
  spec: ServerSpec;
  samples: Sample[];
  /** Why the server took no part (failed to start, or failed the pre-check). */
  excluded?: string;
}

export interface CaseResult {
  name: CaseName;
  title: string;
  rows: Row[];
  notes: string[];
  /** The DPoP case: one ES256 proof verified in process, the floor of its overhead; one entry per round. */
  floor?: readonly (readonly FloorRow[])[];
  /** The DPoP case: the whole gate's overhead measured in process after each round. */
  gate?: readonly GateCost[];
}

export interface Stats {
  rps: number;
  p99: number;
  cpuUsPerReq: number;
  busy: number;
  loadBusy: number;
  others: number;
  /** (max - min) / median of req/s over the rounds. */
  spread: number;
}

export function stats(row: Row): Stats | undefined {
  if (row.excluded || row.samples.length === 0) return undefined;
  const rps = row.samples.map((s) => s.rps);
  const m = median(rps);
  return {
    rps: m,
    p99: median(row.samples.map((s) => s.p99)),
    cpuUsPerReq: median(row.samples.map((s) => s.cpuUsPerReq)),
    busy: median(row.samples.map((s) => s.busy)),
    loadBusy: median(row.samples.map((s) => s.loadBusy)),
    others: median(row.samples.map((s) => s.others)),
    spread: (Math.max(...rps) - Math.min(...rps)) / m,
  };
}

const int = (n: number): string => Math.round(n).toLocaleString('en-US');

/**
 * The median over rounds of a row's req/s over its baseline's in the same round. Rounds run close
 * together in time, so a machine that drifts during the run moves both sides of each ratio alike,
 * which the ratio of the two medians does not guarantee.
 */
export function pairedRatio(row: Row, base: Row): number {
  const n = Math.min(row.samples.length, base.samples.length);
  const ratios: number[] = [];
  for (let i = 0; i < n; i++) ratios.push(row.samples[i]!.rps / base.samples[i]!.rps);
  return median(ratios);
}

export interface Table {
  headers: string[];
  rows: string[][];
  notes: string[];
}

export function caseTable(result: CaseResult): Table {
  const byName = new Map(result.rows.map((r) => [r.spec.name, stats(r)]));
  const rowsByName = new Map(result.rows.map((r) => [r.spec.name, r]));
  const ref = byName.get(REFERENCE[result.name]);
  const refLabel = SERVERS.find((s) => s.name === REFERENCE[result.name])?.label ?? REFERENCE[result.name];
  const headers = [
    'server',
    'req/s (median)',
    'p99 ms',
    `ratio to ${refLabel.replace(/ \(.*$/, '')}`,
    'paired ratio to own framework',
    'auth µs/req (est.)',
    'auth CPU µs/req',
    'server CPU µs/req',
    'server busy',
    'load-gen busy',
    'spread',
  ];
  const rows: string[][] = [];
  const notes = [...result.notes];
  for (const row of result.rows) {
    const s = byName.get(row.spec.name);
    if (!s) {
      rows.push([row.spec.label, 'excluded', '', '', '', '', '', '', '', '', '']);
      notes.push(`${row.spec.label}: excluded — ${row.excluded ?? 'no samples'}`);
      continue;
    }
    const base = byName.get(FRAMEWORK_BASELINE[row.spec.framework]);
    const auth = row.spec.auth === 'none' || !base ? '—' : (1e6 / s.rps - 1e6 / base.rps).toFixed(1);
    const authCpu = row.spec.auth === 'none' || !base ? '—' : (s.cpuUsPerReq - base.cpuUsPerReq).toFixed(1);
    const baseRow = rowsByName.get(FRAMEWORK_BASELINE[row.spec.framework]);
    const paired = row.spec.auth === 'none' || !base || !baseRow ? '—' : pairedRatio(row, baseRow).toFixed(2);
    rows.push([
      row.spec.label,
      int(s.rps),
      s.p99.toFixed(1),
      ref ? (s.rps / ref.rps).toFixed(2) : '—',
      paired,
      auth,
      authCpu,
      s.cpuUsPerReq.toFixed(1),
      `${Math.round(s.busy * 100)} %`,
      `${Math.round(s.loadBusy * 100)} %`,
      `${Math.round(s.spread * 100)} %`,
    ]);
    if (s.others > 0.1)
      notes.push(
        `${row.spec.label}: other processes took up to ${Math.round(s.others * 100)} % of a bench core during timing (median): treat this row with caution.`,
      );
    const bad = row.samples.filter((x) => x.non2xx > 0 || x.errors > 0 || (x.proofsRunOut ?? 0) > 0);
    if (bad.length > 0) {
      const non2xx = bad.reduce((a, x) => a + x.non2xx, 0);
      const errors = bad.reduce((a, x) => a + x.errors, 0);
      const runOut = bad.reduce((a, x) => a + (x.proofsRunOut ?? 0), 0);
      notes.push(
        `${row.spec.label}: ${non2xx} non-2xx responses and ${errors} errors during timing (not counted in req/s)${runOut > 0 ? `; ${runOut} requests went without a DPoP proof because the proofs ran out` : ''}.`,
      );
    }
    if (row.spec.note && !notes.includes(`${row.spec.label}: ${row.spec.note}`))
      notes.push(`${row.spec.label}: ${row.spec.note}`);
  }
  return { headers, rows, notes };
}

export function markdownTable(table: Table): string {
  const align = table.headers.map((_, i) => (i === 0 ? '---' : '--:'));
  const line = (cells: string[]): string => `| ${cells.join(' | ')} |`;
  return [line(table.headers), line(align), ...table.rows.map(line)].join('\n');
}

export function textTable(table: Table): string {
  const widths = table.headers.map((h, i) =>
    Math.max(h.length, ...table.rows.map((r) => (r[i] ?? '').length)),
  );
  const pad = (cells: string[]): string =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [pad(table.headers), widths.map((w) => '-'.repeat(w)).join('  '), ...table.rows.map(pad)].join('\n');
}
