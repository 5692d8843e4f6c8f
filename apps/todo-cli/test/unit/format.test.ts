import assert from 'node:assert/strict';
import { test } from 'node:test';
import { printable } from '../../src/errors.ts';
import { formatDue, table, todoLine, todoTable } from '../../src/format.ts';
import type { Todo } from '../../src/todo.ts';

const item = (overrides: Partial<Todo>): Todo => ({
  id: 'AAAAAAAAAAAAAAAAAAAAAA',
  owner: 'alice',
  text: 'Buy milk',
  completed: false,
  dueDate: null,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  ...overrides,
});

test('a table pads every column but the last', () => {
  assert.equal(
    table(
      ['A', 'BB'],
      [
        ['xxx', 'y'],
        ['z', 'long text'],
      ],
    ),
    'A    BB\nxxx  y\nz    long text',
  );
});

test('to-do table: done, due, owner, text; an empty list says so', () => {
  const text = todoTable([
    item({ completed: true, dueDate: '2030-01-31' }),
    item({ id: 'BBBBBBBBBBBBBBBBBBBBBB', owner: 'bob', text: 'two\nlines', dueDate: '2030-02-01T09:30:00Z' }),
  ]);
  assert.equal(
    text,
    [
      'ID                      DONE  DUE                OWNER  TEXT',
      'AAAAAAAAAAAAAAAAAAAAAA  yes   2030-01-31         alice  Buy milk',
      'BBBBBBBBBBBBBBBBBBBBBB  no    2030-02-01 09:30Z  bob    two lines',
    ].join('\n'),
  );
  assert.equal(todoTable([]), 'No to-do items.');
  assert.equal(todoLine(item({ completed: true })), 'AAAAAAAAAAAAAAAAAAAAAA  Buy milk [done] (owner alice)');
});

test('control characters from the server never reach the terminal', () => {
  assert.equal(printable('a\u001b]0;pwned\u0007b\u009bc'), 'a\ufffd]0;pwned\ufffdb\ufffdc');
  assert.equal(printable('tab\tand\nnewline'), 'tab\tand\nnewline');
  assert.ok(!todoTable([item({ text: '\u001b[31mred', owner: '\u001b[2J' })]).includes('\u001b'));
  assert.equal(formatDue(null), '');
  assert.equal(formatDue('garbage\u001b'), 'garbage\ufffd');
});
