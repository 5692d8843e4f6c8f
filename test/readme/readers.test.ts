/**
 * How the README test reads markdown and shell: which lines are commands, which words are
 * variables, which comments above a fence are markers.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseJsonBlock } from './json.ts';
import { type CodeBlock, codeBlocks } from './markdown.ts';
import { shellCommands } from './shell.ts';

function block(lang: string, code: string): CodeBlock {
  return {
    file: 'README.md',
    line: 10,
    lang,
    code,
    contexts: [],
    notRun: undefined,
    files: undefined,
    prints: undefined,
    checkedBy: undefined,
  };
}

describe('shellCommands', () => {
  it('joins continuation lines and drops comments', () => {
    const commands = shellCommands(block('sh', 'A=1 B=2 \\\n  node x.ts --flag   # why\n# a comment line\n'));
    assert.deepEqual(commands, [
      {
        line: 11,
        env: ['A', 'B'],
        argv: ['node', 'x.ts', '--flag'],
        text: 'A=1 B=2    node x.ts --flag   # why',
      },
    ]);
  });

  it('splits on && || ; and |, and reads $(...) as a command of its own', () => {
    const argv = shellCommands(
      block('sh', 'TOKEN=$(npm run -s token -- --user alice | tail -1) && curl -s "$TOKEN"; echo ok\n'),
    ).map((c) => c.argv);
    assert.deepEqual(argv, [
      ['curl', '-s', '$TOKEN'],
      ['echo', 'ok'],
      ['npm', 'run', '-s', 'token', '--', '--user', 'alice'],
      ['tail', '-1'],
    ]);
  });

  it('a bare assignment sets a shell variable, not an environment variable of any program', () => {
    assert.deepEqual(shellCommands(block('sh', 'TOKEN=abc\n')), []);
  });

  it('export names environment variables', () => {
    assert.deepEqual(shellCommands(block('sh', 'export A=1 B=x\n'))[0]?.env, ['A', 'B']);
  });

  it('keeps quoted text whole, # inside quotes included', () => {
    assert.deepEqual(shellCommands(block('sh', `npx todo add "Buy # milk" --owner 'a b'\n`))[0]?.argv, [
      'npx',
      'todo',
      'add',
      'Buy # milk',
      '--owner',
      'a b',
    ]);
  });

  it('in a console block, only the lines after a $ prompt are commands', () => {
    const commands = shellCommands(block('console', '$ todo list\nID  DONE\n$ echo $?\n5\n'));
    assert.deepEqual(
      commands.map((c) => [c.line, c.argv]),
      [
        [11, ['todo', 'list']],
        [13, ['echo', '$?']],
      ],
    );
  });
});

describe('codeBlocks', () => {
  it('finds fenced blocks with their language, line and the markers right above them', () => {
    const dir = mkdtempSync(join(tmpdir(), 'readme-readers-'));
    try {
      writeFileSync(
        join(dir, 'README.md'),
        [
          '# Title',
          '<!-- context: express-app, gatehouse -->',
          '```ts',
          'app.get("/", handler);',
          '```',
          '',
          '<!-- not-run: pseudo-code -->',
          '````text',
          '```',
          '````',
          '<!-- files: src -->',
          '```',
          'a.ts  one',
          '```',
        ].join('\n'),
      );
      const [ts, text, listing] = codeBlocks(dir, 'README.md');
      assert.deepEqual(ts, {
        file: 'README.md',
        line: 3,
        lang: 'ts',
        code: 'app.get("/", handler);\n',
        contexts: ['express-app', 'gatehouse'],
        notRun: undefined,
        files: undefined,
        prints: undefined,
        checkedBy: undefined,
      });
      assert.equal(text?.notRun, 'pseudo-code');
      assert.equal(text?.code, '```\n', 'a longer fence holds a shorter one');
      assert.equal(listing?.files, 'src');
      assert.equal(listing?.lang, '');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('parseJsonBlock', () => {
  it('reads jsonc: comments outside strings go, // inside strings stays', () => {
    assert.deepEqual(parseJsonBlock('jsonc', '// a token\n{ "iss": "http://x/" /* c */ }\n'), {
      iss: 'http://x/',
    });
  });

  it('refuses elided values, which are not JSON', () => {
    assert.throws(() => parseJsonBlock('jsonc', '{ "exp": ... }'), SyntaxError);
  });
});
