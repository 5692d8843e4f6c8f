/**
 * Type-checks every TypeScript and JavaScript block in ONE TypeScript program: one program shares
 * the lib and the packages' declarations, which is what keeps this to a few seconds for all blocks.
 *
 * Each block becomes a module of its own (`moduleDetection: force`, so `const gh` in two blocks never
 * collide) in a scratch directory whose `node_modules` is the repository's, so `gatehouse-auth` and
 * the other packages resolve exactly as they do for a user: through each package's `exports` to its
 * built `dist/*.d.ts`. The compiler options are the repository's own (the scratch tsconfig extends
 * the root one), so blocks meet the same strict settings as the source. JavaScript blocks are checked
 * too (`checkJs`), against the same declarations.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';
import { contextPrelude } from './contexts.ts';
import type { CodeBlock } from './markdown.ts';

export const SCRIPT_LANGS: Readonly<Record<string, string>> = {
  ts: '.ts',
  typescript: '.ts',
  js: '.js',
  javascript: '.js',
  mjs: '.mjs',
  cjs: '.cjs',
};

export interface Scratch {
  readonly dir: string;
  remove(): void;
}

/** A scratch directory whose imports resolve like the repository's own files. */
export function makeScratch(root: string): Scratch {
  const dir = mkdtempSync(join(tmpdir(), 'readme-blocks-'));
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
  writeFileSync(join(dir, 'package.json'), '{ "type": "module", "private": true }\n');
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface BlockDiagnostics {
  readonly block: CodeBlock;
  /** `README.md:31: TS2304 Cannot find name 'app'.`, in terms of the README's own lines. */
  readonly errors: string[];
}

export function typeCheck(root: string, scratch: Scratch, blocks: readonly CodeBlock[]): BlockDiagnostics[] {
  const dir = join(scratch.dir, 'typecheck');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      extends: join(root, 'tsconfig.json'),
      compilerOptions: { moduleDetection: 'force', allowJs: true, checkJs: true, noEmit: true },
      include: ['*'],
      exclude: [],
    }),
  );
  const files = new Map<string, { block: CodeBlock; preludeLines: number }>();
  for (const [i, block] of blocks.entries()) {
    const extension = SCRIPT_LANGS[block.lang]!;
    const prelude = contextPrelude(block.contexts, extension !== '.ts');
    const file = join(dir, `block-${i}${extension}`);
    writeFileSync(file, `${prelude}${block.code}`);
    files.set(file, { block, preludeLines: prelude === '' ? 0 : prelude.split('\n').length - 1 });
  }
  const config = ts.getParsedCommandLineOfConfigFile(join(dir, 'tsconfig.json'), undefined, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    },
  });
  if (!config) throw new Error('the scratch tsconfig could not be read');
  const program = ts.createProgram({ rootNames: [...files.keys()], options: config.options });
  const results = new Map<string, string[]>([...files.keys()].map((file) => [file, []]));
  for (const diagnostic of ts.getPreEmitDiagnostics(program)) {
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, ' ');
    const source = diagnostic.file ? files.get(diagnostic.file.fileName) : undefined;
    if (!diagnostic.file || !source) throw new Error(`TypeScript outside any block: ${message}`);
    const { line } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start ?? 0);
    const readmeLine = source.block.line + 1 + line - source.preludeLines;
    const inPrelude = line < source.preludeLines ? ' (in the context prelude)' : '';
    results
      .get(diagnostic.file.fileName)!
      .push(`${source.block.file}:${readmeLine}: TS${diagnostic.code} ${message}${inPrelude}`);
  }
  return [...files].map(([file, { block }]) => ({ block, errors: results.get(file)! }));
}
