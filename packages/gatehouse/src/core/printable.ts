import type { Logger } from './logger.ts';

/**
 * Characters a terminal or log viewer acts on instead of showing: C0 controls (newline, ESC…),
 * DEL, C1 controls (a lone U+009B is a CSI on many terminals), the Unicode line and paragraph
 * separators, and the bidirectional marks, embeddings, overrides and isolates that reorder what
 * is shown. Token-derived text (kid, typ, claims) may hold any of them, so a token could forge a
 * line, erase one, or disguise one.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
/** The same set minus C0, which `JSON.stringify` already escapes inside strings. */
const UNPRINTABLE_AFTER_JSON = /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

// JSON's own escape form, so text escaped here still reads back as JSON where it is JSON.
function escapeChar(char: string): string {
  return `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/** Text safe to print on one line of a terminal or log: every such character as `\uXXXX`. */
export function printable(text: string): string {
  return text.replace(UNPRINTABLE, escapeChar);
}

/**
 * `JSON.stringify`, then the characters JSON leaves raw escaped too: still valid JSON that parses
 * to the same value, and safe on a terminal. Indentation newlines stay (they are outside strings).
 */
export function printableJson(value: unknown, space?: number): string {
  return (JSON.stringify(value, null, space) ?? 'undefined').replace(UNPRINTABLE_AFTER_JSON, escapeChar);
}

function printableFields(obj: object): object {
  let copy: Record<string, unknown> | undefined;
  for (const [key, value] of Object.entries(obj)) {
    if (typeof value !== 'string') continue;
    const safe = printable(value);
    if (safe === value) continue;
    copy ??= { ...obj };
    copy[key] = safe;
  }
  return copy ?? obj;
}

/**
 * The logger Gatehouse writes through: every message and every string field escaped, so no log
 * line, whatever the sink, carries a token's control characters. Calls keep the logger as `this`.
 */
export function printableLogger(logger: Logger): Logger {
  const safe: Logger = {};
  for (const level of ['debug', 'info', 'warn', 'error'] as const) {
    if (typeof logger[level] === 'function')
      safe[level] = (obj, msg) => logger[level]!(printableFields(obj), printable(msg));
  }
  return safe;
}
