import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isDate, parseCommandLine, separate } from '../../src/args.ts';
import { CliError, EXIT } from '../../src/errors.ts';

function usage(argv: string[], message: RegExp): void {
  assert.throws(
    () => parseCommandLine(argv),
    (error: unknown) =>
      error instanceof CliError && error.exitCode === EXIT.usage && message.test(error.message),
  );
}

test('commands and their arguments', () => {
  assert.deepEqual(parseCommandLine(['list', '--owner', 'o', '--json']).command, {
    name: 'list',
    owner: 'o',
  });
  assert.equal(parseCommandLine(['list', '--json']).json, true);
  assert.deepEqual(parseCommandLine(['add', 'Buy milk', '--owner', 'o', '--due', '2030-01-31']).command, {
    name: 'add',
    text: 'Buy milk',
    owner: 'o',
    due: '2030-01-31',
  });
  assert.deepEqual(parseCommandLine(['done', 'abc']).command, { name: 'done', id: 'abc' });
  assert.deepEqual(parseCommandLine(['rm', 'abc']).command, { name: 'rm', id: 'abc' });
  assert.deepEqual(parseCommandLine(['token', '--raw']).command, { name: 'token', raw: true });
  assert.deepEqual(parseCommandLine(['--help']).command, { name: 'help' });
  assert.deepEqual(
    parseCommandLine(['list', '--api-url', 'http://x', '--client-id', 'c']).flags.apiUrl,
    'http://x',
  );
});

test("the MSAL daemon tutorial's --op form maps to the commands", () => {
  assert.deepEqual(parseCommandLine(['--op', 'getToDos']).command, { name: 'list', owner: undefined });
  assert.deepEqual(parseCommandLine(['--op', 'getToDo', '--id', 'x']).command, { name: 'show', id: 'x' });
  assert.deepEqual(parseCommandLine(['--op', 'deleteToDo', '--id', 'x']).command, { name: 'rm', id: 'x' });
  assert.deepEqual(parseCommandLine(['--op', 'postToDo', '--text', 't', '--owner', 'o']).command, {
    name: 'add',
    text: 't',
    owner: 'o',
    due: undefined,
  });
});

test('mistakes are usage errors naming what is wrong', () => {
  usage([], /no command given/);
  usage(['lsit'], /unknown command "lsit"/);
  usage(['list', 'extra'], /"list" takes no arguments/);
  usage(['add', 'two', 'words', '--owner', 'o'], /takes one text; quote text with spaces/);
  usage(['add', 'text'], /needs --owner/);
  usage(['add', '   ', '--owner', 'o'], /"add" needs a text/);
  usage(['done'], /"done" needs a to-do id/);
  usage(['rm', '--raw', 'x'], /--raw is not an option of "rm"/);
  usage(['list', '--client-secret', 's'], /Unknown option '--client-secret'/);
  usage(['add', 't', '--owner', 'o', '--due', '31/01/2030'], /--due must be a date as YYYY-MM-DD/);
});

test('isDate accepts real calendar dates only', () => {
  assert.ok(isDate('2030-01-31'));
  assert.ok(isDate('2028-02-29'));
  assert.ok(!isDate('2030-02-29'));
  assert.ok(!isDate('2030-13-01'));
  assert.ok(!isDate('2030-1-1'));
  assert.ok(!isDate('2030-01-31T00:00:00Z'));
});

test('ids that start with "-" are ids, not options; "--" ends the options', () => {
  assert.deepEqual(parseCommandLine(['rm', '-T9MRK5pZfFtDrqcDkIJeA']).command, {
    name: 'rm',
    id: '-T9MRK5pZfFtDrqcDkIJeA',
  });
  assert.deepEqual(parseCommandLine(['done', '--json', '--9MRK5pZfFtDrqcDkIJeA']).command, {
    name: 'done',
    id: '--9MRK5pZfFtDrqcDkIJeA',
  });
  assert.deepEqual(parseCommandLine(['--op', 'getToDo', '--id', '-T9MRK5pZfFtDrqcDkIJeA']).command, {
    name: 'show',
    id: '-T9MRK5pZfFtDrqcDkIJeA',
  });
  assert.deepEqual(parseCommandLine(['add', '--owner', 'o', '--', '-1 is a number']).command, {
    name: 'add',
    text: '-1 is a number',
    owner: 'o',
    due: undefined,
  });
  assert.deepEqual(separate(['list', '--owner', '-x', '--json']), ['--owner=-x', '--json', '--', 'list']);
  usage(['list', '-x'], /Unknown option '-x'/);
});

test('--tls-cert and --tls-key are options of every command', () => {
  const { flags } = parseCommandLine(['list', '--tls-cert', 'client.pem', '--tls-key', 'client.key.pem']);
  assert.equal(flags.tlsCert, 'client.pem');
  assert.equal(flags.tlsKey, 'client.key.pem');
  assert.equal(parseCommandLine(['token', '--tls-cert=c.pem']).flags.tlsCert, 'c.pem');
});
