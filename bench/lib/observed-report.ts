/**
 * The observed case's own table (issue 19, "zero cost when unused"): Gatehouse on node:http
 * without subscribers, with counting subscribers, and with the OpenTelemetry integration, each
 * against the node:http baseline and against the row without subscribers, same run.
 */
import { type CaseResult, pairedRatio, type Row, stats, type Table } from './report.ts';

export const UNOBSERVED = 'gatehouse-node';
const BASELINE = 'node-http';

export function observedTable(result: CaseResult): Table {
  const byName = new Map<string, Row>(result.rows.map((r) => [r.spec.name, r]));
  const baseRow = byName.get(BASELINE);
  const plainRow = byName.get(UNOBSERVED);
  const base = baseRow ? stats(baseRow) : undefined;
  const plain = plainRow ? stats(plainRow) : undefined;
  const headers = [
    'Gatehouse on node:http',
    'req/s',
    'ratio to node:http',
    'paired ratio to node:http',
    'µs/req over node:http (est.)',
    'paired ratio to no subscribers',
    'µs/req over no subscribers (est.)',
    'CPU µs/req over no subscribers',
  ];
  const rows: string[][] = [];
  for (const row of result.rows) {
    if (row.spec.framework !== 'node' || row.spec.auth === 'none') continue;
    const s = stats(row);
    if (!s || !base || !baseRow) {
      rows.push([row.spec.label, 'excluded', '', '', '', '', '', '']);
      continue;
    }
    const self = row.spec.name === UNOBSERVED;
    rows.push([
      row.spec.label,
      Math.round(s.rps).toLocaleString('en-US'),
      (s.rps / base.rps).toFixed(2),
      pairedRatio(row, baseRow).toFixed(2),
      (1e6 / s.rps - 1e6 / base.rps).toFixed(1),
      self || !plain || !plainRow ? '—' : pairedRatio(row, plainRow).toFixed(2),
      self || !plain ? '—' : (1e6 / s.rps - 1e6 / plain.rps).toFixed(1),
      self || !plain ? '—' : (s.cpuUsPerReq - plain.cpuUsPerReq).toFixed(1),
    ]);
  }
  return {
    headers,
    rows,
    notes: [
      'One repeated token, cache on: the cheapest request Gatehouse serves, so the one where observation weighs most. Without subscribers each publish point costs one property read (no event built, no clock read); the differences over "no subscribers" are what listening costs.',
    ],
  };
}
