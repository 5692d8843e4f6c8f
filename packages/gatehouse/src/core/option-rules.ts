/**
 * The shapes of the option table's rows, and the checks a row implies. A row is data, so its
 * default and bounds are written once and read by validation, by `defaults` and by the README.
 */
import { ConfigurationError } from './errors.ts';

interface Documented {
  /** One line for the README's options table. */
  readonly doc: string;
  /** The README's default column when the default is not a plain value, or there is none. */
  readonly shown?: string;
}

/** A finite number within inclusive bounds. */
export interface NumberOption extends Documented {
  readonly kind: 'number';
  readonly default: number;
  readonly min: number;
  readonly max: number;
}

export interface BooleanOption extends Documented {
  readonly kind: 'boolean';
  readonly default: boolean;
}

/** One of a few strings. */
export interface ChoiceOption<T extends string = string> extends Documented {
  readonly kind: 'choice';
  readonly values: readonly T[];
  readonly default: T;
}

/** A non-empty string. */
export interface TextOption extends Documented {
  readonly kind: 'text';
  readonly default?: string;
}

/** Checked by the code that resolves it (URLs, functions, keys, nested objects); `allowed` says what fits. */
export interface CustomOption extends Documented {
  readonly kind: 'custom';
  readonly default?: unknown;
  readonly allowed?: string;
  /** Must be given (the README says "required"). */
  readonly required?: boolean;
}

export type OptionRow = NumberOption | BooleanOption | ChoiceOption | TextOption | CustomOption;

/** Options by name; a nested table is an object option whose members are rows too (`keys.timeout`). */
export interface OptionTable {
  readonly [name: string]: OptionRow | OptionTable;
}

export function isRow(entry: OptionRow | OptionTable): entry is OptionRow {
  return typeof entry.kind === 'string';
}

/** Every option of an object must be one of its table's, so a typo is refused rather than ignored. */
export function refuseUnknown(value: object, table: OptionTable, path: string): void {
  for (const key of Object.keys(value))
    if (!Object.hasOwn(table, key)) throw new ConfigurationError(`${path}${key}`, 'is not a known option');
}

export function numberOption(row: NumberOption, value: unknown, path: string): number {
  if (value === undefined) return row.default;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < row.min || value > row.max)
    throw new ConfigurationError(path, `must be a number from ${row.min} to ${row.max}`);
  return value;
}

/**
 * `whenAbsent: 'refuse'` is for a flag that must be said whenever its object is given
 * (`cache: { enabled }`, `tokenType: { strict }`): the default applies only without the object.
 */
/** Every member of an object of numbers (`keys`), each checked and defaulted by its row. */
export function numberOptions<T extends Readonly<Record<string, NumberOption>>>(
  table: T,
  value: { readonly [K in keyof T]?: unknown },
  prefix: string,
): { [K in keyof T]: number } {
  const resolved = {} as { [K in keyof T]: number };
  for (const [name, row] of Object.entries(table) as [keyof T & string, NumberOption][])
    resolved[name] = numberOption(row, value[name], `${prefix}${name}`);
  return resolved;
}

export function booleanOption(
  row: BooleanOption,
  value: unknown,
  path: string,
  whenAbsent: 'default' | 'refuse' = 'default',
): boolean {
  if (value === undefined && whenAbsent === 'default') return row.default;
  if (typeof value !== 'boolean') throw new ConfigurationError(path, 'must be a boolean');
  return value;
}

export function choiceOption<T extends string>(row: ChoiceOption<T>, value: unknown, path: string): T {
  if (value === undefined) return row.default;
  if (!(row.values as readonly unknown[]).includes(value))
    throw new ConfigurationError(path, `must be ${spokenList(row.values)}`);
  return value as T;
}

export function textOption(row: TextOption & { default: string }, value: unknown, path: string): string {
  if (value === undefined) return row.default;
  if (typeof value !== 'string' || value.length === 0)
    throw new ConfigurationError(path, 'must be a non-empty string');
  return value;
}

/** `"a", "b" or "c"`: how messages list allowed values. */
function spokenList(values: readonly string[]): string {
  const quoted = values.map((v) => JSON.stringify(v));
  return quoted.length < 2 ? quoted.join('') : `${quoted.slice(0, -1).join(', ')} or ${quoted.at(-1)}`;
}
