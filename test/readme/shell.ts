/**
 * The commands of a shell block, as a reader would type them: continuation lines joined, comments
 * dropped, `&&`, `||`, `;` and `|` split into simple commands, `$(...)` substitutions read as
 * commands of their own. In a `console` block only the lines after a `$ ` prompt are commands; the
 * rest is what they print. This is a reader of README commands, not a shell: it knows quotes,
 * escapes and substitutions, nothing of globbing, functions or control flow.
 */
import type { CodeBlock } from './markdown.ts';

export interface ShellCommand {
  /** README line the command starts on. */
  readonly line: number;
  /** Variables set for this command only (`A=1 cmd`) or exported (`export A=1`). */
  readonly env: readonly string[];
  /** Words with quotes removed; a `$(...)` substitution is the word `$(...)`. */
  readonly argv: readonly string[];
  readonly text: string;
}

interface Line {
  readonly line: number;
  readonly text: string;
}

function logicalLines(block: CodeBlock): Line[] {
  const prompt = block.lang === 'console';
  const lines: Line[] = [];
  let pending: Line | undefined;
  for (const [i, raw] of block.code.split('\n').entries()) {
    const line = block.line + 1 + i;
    let text = raw;
    if (pending === undefined) {
      if (prompt) {
        if (!text.startsWith('$ ')) continue;
        text = text.slice(2);
      }
      pending = { line, text: '' };
    }
    const continued = /\\\s*$/.test(text);
    pending = {
      line: pending.line,
      text: `${pending.text}${continued ? text.replace(/\\\s*$/, ' ') : text}`,
    };
    if (!continued) {
      lines.push(pending);
      pending = undefined;
    }
  }
  if (pending) lines.push(pending);
  return lines;
}

/** Splits a line into words and operators, outside quotes; `$(...)` stays one word. */
function lex(text: string): { words: string[][]; substitutions: string[] } {
  const commands: string[][] = [[]];
  const substitutions: string[] = [];
  let word: string | undefined;
  const flush = () => {
    if (word !== undefined) commands.at(-1)!.push(word);
    word = undefined;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '$' && text[i + 1] === '(') {
      let depth = 0;
      let j = i + 1;
      for (; j < text.length; j++) {
        if (text[j] === '(') depth++;
        if (text[j] === ')' && --depth === 0) break;
      }
      substitutions.push(text.slice(i + 2, j));
      word = `${word ?? ''}$(...)`;
      i = j;
    } else if (c === "'" || c === '"') {
      const end = text.indexOf(c, i + 1);
      if (end === -1) throw new Error(`unclosed ${c} in: ${text}`);
      const inner = text.slice(i + 1, end);
      if (c === '"' && inner.includes('$(')) substitutions.push(...lex(inner).substitutions);
      word = `${word ?? ''}${inner}`;
      i = end;
    } else if (c === '\\' && i + 1 < text.length) {
      word = `${word ?? ''}${text[++i]}`;
    } else if (c === '#' && word === undefined) {
      break;
    } else if (/\s/.test(c)) {
      flush();
    } else if (c === ';' || c === '|' || (c === '&' && text[i + 1] === '&')) {
      flush();
      if (text[i + 1] === c) i++;
      commands.push([]);
    } else {
      word = `${word ?? ''}${c}`;
    }
  }
  flush();
  return { words: commands.filter((command) => command.length > 0), substitutions };
}

const ASSIGNMENT = /^([A-Za-z_][A-Za-z0-9_]*)=/;

function commandsOf(line: number, text: string): ShellCommand[] {
  const { words, substitutions } = lex(text);
  const commands: ShellCommand[] = [];
  for (const all of words) {
    const env: string[] = [];
    let k = 0;
    for (; k < all.length && ASSIGNMENT.test(all[k]!); k++) env.push(ASSIGNMENT.exec(all[k]!)![1]!);
    const argv = all.slice(k);
    if (argv[0] === 'export') {
      commands.push({
        line,
        env: argv.slice(1).map((word) => ASSIGNMENT.exec(word)?.[1] ?? word),
        argv,
        text,
      });
    } else if (argv.length > 0) {
      commands.push({ line, env, argv, text });
    }
    // A bare assignment (`TOKEN=$(...)`) sets a shell variable, which no program reads.
  }
  for (const inner of substitutions) commands.push(...commandsOf(line, inner));
  return commands;
}

export function shellCommands(block: CodeBlock): ShellCommand[] {
  return logicalLines(block).flatMap(({ line, text }) => commandsOf(line, text));
}
