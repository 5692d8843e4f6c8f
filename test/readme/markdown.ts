/**
 * The fenced code blocks of the repository's READMEs and docs, with the markers written above them.
 *
 * A marker is an HTML comment on the lines right above a fence (invisible on GitHub, plain in the
 * source), so whoever edits a block sees how the test treats it:
 *
 * - `<!-- context: express-app, gh -->`: the block is a fragment; the named preludes
 *   (`contexts.ts`) declare what it assumes, and it is type-checked with them.
 * - `<!-- files: dir -->`: the block lists files of `dir` (a path from the repository root), one
 *   entry a line (`path  what it is`, or `a.ts, b.ts`; globs allowed), each of which must exist.
 * - `<!-- prints: file -->`: the block is what that program prints; each of its lines must be one of
 *   the file's string literals, with any `${...}` standing for any text.
 * - `<!-- checked-by: test/file.test.ts -->`: the block's content is asserted by that test, which
 *   reads it from the README (the README test checks that the file exists and names the README).
 * - `<!-- not-run: why -->`: the block is an illustration nothing can check; the reason is printed.
 */
import { globSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';

export interface CodeBlock {
  /** Path from the repository root, with `/`. */
  readonly file: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
  /** The fence's info string up to the first space, lower case; '' when there is none. */
  readonly lang: string;
  readonly code: string;
  readonly contexts: readonly string[];
  readonly notRun: string | undefined;
  /** The folder a file listing is relative to (`<!-- files: dir -->`). */
  readonly files: string | undefined;
  /** The program whose output the block shows (`<!-- prints: file -->`). */
  readonly prints: string | undefined;
  /** The test that asserts the block's content (`<!-- checked-by: file -->`). */
  readonly checkedBy: string | undefined;
}

/** Where documentation lives; a glob, so READMEs added or moved later are covered without a change here. */
const DOC_PATTERNS = ['**/README.md', 'docs/**/*.md'];
/** Folders that hold other people's documents or generated files, never ours. */
const NOT_DOCS = new Set(['node_modules', 'dist', 'data', 'test-results', '.git']);

export function documentationFiles(root: string): string[] {
  const found = globSync(DOC_PATTERNS, {
    cwd: root,
    exclude: (name) => NOT_DOCS.has(basename(String(name))),
  });
  return [...new Set(found.map((path) => path.split('\\').join('/')))].sort();
}

const FENCE = /^( {0,3})(`{3,}|~{3,})\s*([^\s`]*)[^`]*$/;
const MARKER = /^<!--\s*(context|not-run|files|prints|checked-by):\s*(.*?)\s*-->$/;

interface Markers {
  contexts: string[];
  notRun: string | undefined;
  files: string | undefined;
  prints: string | undefined;
  checkedBy: string | undefined;
}

function markersAbove(lines: readonly string[], fence: number): Markers {
  const markers: Markers = {
    contexts: [],
    notRun: undefined,
    files: undefined,
    prints: undefined,
    checkedBy: undefined,
  };
  for (let i = fence - 1; i >= 0; i--) {
    const match = MARKER.exec(lines[i]!.trim());
    if (!match) break;
    const value = match[2]!;
    if (match[1] === 'context') markers.contexts.push(...value.split(',').map((name) => name.trim()));
    else if (match[1] === 'files') markers.files = value;
    else if (match[1] === 'prints') markers.prints = value;
    else if (match[1] === 'checked-by') markers.checkedBy = value;
    else markers.notRun = value;
  }
  return markers;
}

export function codeBlocks(root: string, file: string): CodeBlock[] {
  const lines = readFileSync(join(root, file), 'utf8').split('\n');
  const blocks: CodeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i]!);
    if (!open) continue;
    const [, indent, fence, info] = open as unknown as [string, string, string, string];
    const body: string[] = [];
    let j = i + 1;
    // A closing fence is at least as long as the opening one, of the same character, and has no info string.
    while (j < lines.length && !new RegExp(`^ {0,3}${fence[0]}{${fence.length},}\\s*$`).test(lines[j]!)) {
      body.push(lines[j]!.startsWith(indent) ? lines[j]!.slice(indent.length) : lines[j]!);
      j++;
    }
    const markers = markersAbove(lines, i);
    blocks.push({ file, line: i + 1, lang: info.toLowerCase(), code: `${body.join('\n')}\n`, ...markers });
    i = j;
  }
  return blocks;
}

export function where(block: CodeBlock): string {
  return `${block.file}:${block.line}`;
}
