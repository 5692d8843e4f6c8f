/**
 * Reads a V8 `.cpuprofile` (what `node --cpu-prof` writes) and says where the time went: the top
 * functions by self time, the share of each area (Gatehouse, frameworks, Node, GC), and Gatehouse's
 * own functions by inclusive (synchronous) time. Samples can be limited to a window of
 * CLOCK_MONOTONIC microseconds (`process.hrtime`), the clock V8 stamps samples with on Linux.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface FunctionTime {
  name: string;
  where: string;
  area: string;
  ms: number;
  /** Percent of busy (non-idle) time. */
  pct: number;
}

export interface ProfileSummary {
  file: string;
  /** Milliseconds covered by the samples used. */
  totalMs: number;
  idlePct: number;
  /** Whether the load window was applied (false: the whole profile, start-up included). */
  windowed: boolean;
  top: FunctionTime[];
  areas: { area: string; ms: number; pct: number }[];
  gatehouseInclusive: FunctionTime[];
}

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function shortUrl(url: string): string {
  if (url === '') return '';
  let path = url.startsWith('file://') ? fileURLToPath(url) : url;
  if (path.startsWith(ROOT)) path = path.slice(ROOT.length);
  const nm = path.lastIndexOf('node_modules/');
  return nm >= 0 ? path.slice(nm + 'node_modules/'.length) : path;
}

function areaOf(frame: CallFrame): string {
  const url = shortUrl(frame.url);
  const name = frame.functionName;
  if (url === '') {
    if (name === '(garbage collector)') return 'GC';
    if (name === '(idle)') return 'idle';
    if (name === '(program)') return 'V8/native (program)';
    return 'native';
  }
  if (url.startsWith('packages/gatehouse/') || url.startsWith('gatehouse/')) return 'gatehouse';
  if (url.startsWith('node:')) return 'node internals';
  if (url.startsWith('bench/')) return 'bench server';
  const pkg = url.startsWith('@') ? url.split('/').slice(0, 2).join('/') : url.split('/')[0]!;
  if (pkg === 'jose') return 'jose';
  if (
    pkg === 'fastify' ||
    pkg.startsWith('@fastify/') ||
    /^(find-my-way|light-my-request|avvio|fast-json-stringify|abstract-logging|pino)/.test(pkg)
  )
    return 'fastify';
  return pkg;
}

function describe(frame: CallFrame): { name: string; where: string } {
  const url = shortUrl(frame.url);
  return {
    name: frame.functionName || (url ? '(anonymous)' : '(native)'),
    where: url ? `${url}:${frame.lineNumber + 1}` : '',
  };
}

/** `window`: [start, end] in microseconds of CLOCK_MONOTONIC. */
export function summarize(
  profile: CpuProfile,
  file: string,
  window?: { start: number; end: number },
  top = 15,
): ProfileSummary {
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const node of profile.nodes) {
    byId.set(node.id, node);
    for (const child of node.children ?? []) parent.set(child, node.id);
  }
  const usable =
    window !== undefined &&
    window.start >= profile.startTime - 1 &&
    window.end <= profile.endTime + 1_000_000;
  const selfUs = new Map<number, number>();
  let t = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i] ?? 0;
    // A sample's time is the gap to the next one.
    const dt = profile.timeDeltas[i + 1] ?? 0;
    if (usable && (t < window.start || t > window.end)) continue;
    const id = profile.samples[i]!;
    selfUs.set(id, (selfUs.get(id) ?? 0) + dt);
  }

  const key = (f: CallFrame): string => `${f.functionName}|${f.url}|${f.lineNumber}|${f.columnNumber}`;
  const self = new Map<string, { frame: CallFrame; us: number }>();
  const inclusive = new Map<string, { frame: CallFrame; us: number }>();
  const areas = new Map<string, number>();
  let total = 0;
  let idle = 0;
  for (const [id, us] of selfUs) {
    const node = byId.get(id)!;
    const frame = node.callFrame;
    total += us;
    const area = areaOf(frame);
    if (area === 'idle') {
      idle += us;
      continue;
    }
    areas.set(area, (areas.get(area) ?? 0) + us);
    const k = key(frame);
    const entry = self.get(k) ?? { frame, us: 0 };
    entry.us += us;
    self.set(k, entry);
    // Inclusive: once per distinct Gatehouse function on the stack.
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const f = byId.get(at)!.callFrame;
      if (areaOf(f) !== 'gatehouse') continue;
      const fk = key(f);
      if (seen.has(fk)) continue;
      seen.add(fk);
      const e = inclusive.get(fk) ?? { frame: f, us: 0 };
      e.us += us;
      inclusive.set(fk, e);
    }
  }
  const busy = total - idle || 1;
  const toTime = ({ frame, us }: { frame: CallFrame; us: number }): FunctionTime => ({
    ...describe(frame),
    area: areaOf(frame),
    ms: us / 1000,
    pct: (us / busy) * 100,
  });
  return {
    file,
    totalMs: total / 1000,
    idlePct: total ? (idle / total) * 100 : 0,
    windowed: usable,
    top: [...self.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, top)
      .map(toTime),
    areas: [...areas]
      .sort((a, b) => b[1] - a[1])
      .map(([area, us]) => ({ area, ms: us / 1000, pct: (us / busy) * 100 })),
    gatehouseInclusive: [...inclusive.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, 12)
      .map(toTime),
  };
}

export async function summarizeFile(
  file: string,
  window?: { start: number; end: number },
): Promise<ProfileSummary> {
  return summarize(JSON.parse(await readFile(file, 'utf8')) as CpuProfile, file, window);
}

function pct(n: number): string {
  return `${n.toFixed(1)} %`;
}

/** Markdown: three tables (top self time, areas, Gatehouse inclusive). */
export function profileMarkdown(s: ProfileSummary): string {
  const lines: string[] = [];
  lines.push(
    `Profile \`${shortUrl(s.file)}\`: ${(s.totalMs / 1000).toFixed(1)} s of samples${
      s.windowed ? ' (load window only)' : ' (whole process, start-up included)'
    }, idle ${pct(s.idlePct)}; percentages are of busy (non-idle) time.`,
    '',
    '| # | function | self ms | self % | area | where |',
    '|--:|---|--:|--:|---|---|',
  );
  s.top.forEach((f, i) => {
    lines.push(`| ${i + 1} | \`${f.name}\` | ${f.ms.toFixed(0)} | ${pct(f.pct)} | ${f.area} | ${f.where} |`);
  });
  lines.push('', 'Self time by area:', '', '| area | ms | % |', '|---|--:|--:|');
  for (const a of s.areas) lines.push(`| ${a.area} | ${a.ms.toFixed(0)} | ${pct(a.pct)} |`);
  lines.push(
    '',
    'Gatehouse functions by inclusive time (synchronous callees only: work resumed after an `await` is counted where it resumes):',
    '',
    '| function | incl. ms | incl. % | where |',
    '|---|--:|--:|---|',
  );
  for (const f of s.gatehouseInclusive)
    lines.push(`| \`${f.name}\` | ${f.ms.toFixed(0)} | ${pct(f.pct)} | ${f.where} |`);
  return lines.join('\n');
}
