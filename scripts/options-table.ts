/**
 * Writes the options tables of packages/gatehouse/README.md from the option table in
 * `core/option-table.ts` (`npm run docs:options`), so the README can never disagree with the
 * defaults and bounds the code applies. Each table sits between `<!-- options-table:NAME -->` and
 * `<!-- /options-table -->`; everything outside the markers is left as written. `--check` writes
 * nothing and fails when a table is out of date (a test does the same).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isRow, type OptionRow, type OptionTable } from '../packages/gatehouse/src/core/option-rules.ts';
import {
  DPOP_OPTIONS,
  INTROSPECTION_OPTIONS,
  ISSUER_OPTIONS,
  SHARED_OPTIONS,
} from '../packages/gatehouse/src/core/option-table.ts';

export const README = fileURLToPath(new URL('../packages/gatehouse/README.md', import.meta.url));

/** Each README table and the options it lists (nested tables become `parent.child` rows). */
export const README_TABLES: Readonly<Record<string, OptionTable>> = {
  options: { ...ISSUER_OPTIONS, ...SHARED_OPTIONS },
  dpop: { dpop: DPOP_OPTIONS },
  introspection: { introspection: INTROSPECTION_OPTIONS },
};

/** Every row of a table with its dotted path, in table order. */
export function flatten(table: OptionTable, prefix = ''): [path: string, row: OptionRow][] {
  return Object.entries(table).flatMap(([name, entry]) =>
    isRow(entry) ? [[`${prefix}${name}`, entry] as [string, OptionRow]] : flatten(entry, `${prefix}${name}.`),
  );
}

/** How a default value is written in TypeScript, as the interfaces' `@default` tags write it. */
export function literal(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  return String(value);
}

function shownDefault(row: OptionRow): string {
  if (row.shown !== undefined) return row.shown;
  if (row.kind === 'custom' && row.required) return 'required';
  return row.default === undefined ? '—' : `\`${literal(row.default)}\``;
}

function allowed(row: OptionRow): string {
  switch (row.kind) {
    case 'number':
      return `${row.min}–${row.max}`;
    case 'boolean':
      return '`true`, `false`';
    case 'choice':
      return row.values.map((v) => `\`${literal(v)}\``).join(', ');
    case 'text':
      return 'non-empty string';
    case 'custom':
      return row.allowed ?? 'see meaning';
  }
}

const cell = (text: string): string => text.replaceAll('|', '\\|');

export function renderTable(table: OptionTable): string {
  const rows = flatten(table).map(([path, row]) =>
    [`\`${path}\``, shownDefault(row), allowed(row), row.doc].map(cell),
  );
  const header = ['option', 'default', 'allowed', 'meaning'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

const BLOCK = /(<!-- options-table:([\w-]+) -->)[\s\S]*?(<!-- \/options-table -->)/g;

/** The README with every marked table regenerated; throws on a marker naming no table. */
export function withTables(readme: string): string {
  return readme.replace(BLOCK, (_all, open: string, name: string, close: string) => {
    const table = README_TABLES[name];
    if (table === undefined) throw new Error(`README: no option table named ${JSON.stringify(name)}`);
    return `${open}\n${renderTable(table)}\n${close}`;
  });
}

/** The names of the tables the README marks, in order. */
export function markedTables(readme: string): string[] {
  return [...readme.matchAll(BLOCK)].map((m) => m[2]!);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const readme = readFileSync(README, 'utf8');
  const updated = withTables(readme);
  if (process.argv.includes('--check')) {
    if (updated !== readme) {
      process.stderr.write(
        'packages/gatehouse/README.md: options tables are stale; run npm run docs:options\n',
      );
      process.exit(1);
    }
  } else if (updated !== readme) {
    writeFileSync(README, updated);
    process.stdout.write('packages/gatehouse/README.md: options tables written\n');
  }
}
