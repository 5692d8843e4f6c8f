/**
 * Human-readable output: a plain-text table of to-do items. Everything from the API goes through
 * `printable`, so an item's text cannot inject terminal escape sequences.
 */
import { printable } from './errors.ts';
import type { Todo } from './todo.ts';

/** A date-only due date stays as given; a date-time is shown to the minute, in UTC. */
export function formatDue(due: string | null): string {
  if (due === null) return '';
  if (/^\d{4}-\d{2}-\d{2}$/.test(due)) return due;
  const date = new Date(due);
  return Number.isNaN(date.getTime())
    ? printable(due)
    : `${date.toISOString().slice(0, 16).replace('T', ' ')}Z`;
}

/** Columns padded to their widest cell; the last column (free text) is never padded. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

export function todoTable(items: readonly Todo[]): string {
  if (items.length === 0) return 'No to-do items.';
  return table(
    ['ID', 'DONE', 'DUE', 'OWNER', 'TEXT'],
    items.map((item) => [
      printable(item.id),
      item.completed ? 'yes' : 'no',
      formatDue(item.dueDate),
      printable(item.owner),
      // One item, one line.
      printable(item.text.replace(/\r?\n/g, ' ')),
    ]),
  );
}

/** One line describing an item, after add/done/show. */
export function todoLine(item: Todo): string {
  const due = item.dueDate === null ? '' : `, due ${formatDue(item.dueDate)}`;
  const done = item.completed ? ' [done]' : '';
  return `${printable(item.id)}  ${printable(item.text.replace(/\r?\n/g, ' '))}${done} (owner ${printable(item.owner)}${due})`;
}
