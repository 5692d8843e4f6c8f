/**
 * Expected failures against the real system: one line on stderr saying what happened and what to
 * check, no stack trace, no secret, and the documented exit code.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { freePort } from 'gatehouse-test-support/ports';
import { tempDir } from 'gatehouse-test-support/temp';
import { ALICE, type CliResult, runCli, type System, startSystem } from '../helpers/system.ts';

let system: System;

before(async () => {
  system = await startSystem();
});
after(() => system?.stop());

/** Exactly one line on stderr, starting `todo: `, nothing on stdout, and no stack trace. */
function oneLine(result: CliResult, code: number, pattern: RegExp): void {
  assert.equal(result.code, code, result.stderr);
  assert.equal(result.stdout, '');
  assert.match(result.stderr, /^todo: [^\n]+\n$/, `one line: ${JSON.stringify(result.stderr)}`);
  assert.doesNotMatch(result.stderr, /\n\s+at |Error:/);
  assert.match(result.stderr, pattern);
}

describe('authentication failed: exit 3', () => {
  test('a wrong client secret names invalid_client and what to check, never the secret', async () => {
    const result = await runCli(['list'], { ...system.env, TODO_CLIENT_SECRET: 'hunter2-wrong' });
    oneLine(
      result,
      3,
      /authentication failed: .*refused client todo-daemon \(invalid_client.*check TODO_CLIENT_SECRET/,
    );
    assert.doesNotMatch(result.stderr, /hunter2|dev-daemon-secret/);
  });

  test('an unknown client id', async () => {
    const result = await runCli(['list'], { ...system.env, TODO_CLIENT_ID: 'no-such-client' });
    oneLine(result, 3, /refused client no-such-client \(invalid_client/);
  });

  test('a private key the IdP does not know for the client', async (t) => {
    const dir = tempDir('todo-cli-key-');
    t.after(() => dir.remove());
    const keyFile = join(dir.path, 'stranger.pem');
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    writeFileSync(keyFile, privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
    const result = await runCli(['token'], {
      TODO_AUTHORITY: system.issuer,
      TODO_API_URL: system.apiUrl,
      TODO_CLIENT_ID: 'todo-daemon-cert',
      TODO_PRIVATE_KEY: keyFile,
    });
    oneLine(result, 3, /refused client todo-daemon-cert \(invalid_client.*stranger\.pem is registered/);
  });
});

describe('forbidden: exit 4', () => {
  const readOnly = () => ({
    ...system.env,
    TODO_CLIENT_ID: 'todo-daemon-readonly',
    TODO_CLIENT_SECRET: 'dev-readonly-secret',
  });

  test('a client with only ToDoList.Read.All may list, but not add, complete or remove', async () => {
    const listed = await runCli(['list'], readOnly());
    assert.equal(listed.code, 0, listed.stderr);

    const added = await runCli(['add', 'Not allowed', '--owner', ALICE], readOnly());
    oneLine(
      added,
      4,
      /forbidden \(insufficient_scope\): client todo-daemon-readonly lacks the permission .*ToDoList\.ReadWrite\.All/,
    );

    const created = await runCli(['add', 'Allowed', '--owner', ALICE, '--json'], system.env);
    const { id } = JSON.parse(created.stdout) as { id: string };
    oneLine(await runCli(['done', id], readOnly()), 4, /insufficient_scope/);
    oneLine(await runCli(['rm', id], readOnly()), 4, /insufficient_scope/);
    assert.equal((await runCli(['rm', id], system.env)).code, 0);
  });
});

describe('not found: exit 5', () => {
  test('an id that names no item', async () => {
    oneLine(
      await runCli(['show', 'AAAAAAAAAAAAAAAAAAAAAA'], system.env),
      5,
      /not found: no to-do item AAAAAAAAAAAAAAAAAAAAAA/,
    );
    oneLine(await runCli(['done', 'not-even-an-id'], system.env), 5, /not found/);
  });
});

describe('unreachable: exit 6', () => {
  test('the API is down', async () => {
    const port = await freePort();
    const result = await runCli(['list'], { ...system.env, TODO_API_URL: `http://127.0.0.1:${port}` });
    oneLine(
      result,
      6,
      new RegExp(
        `cannot reach the API at http://127.0.0.1:${port} \\(ECONNREFUSED\\); is it running\\? check TODO_API_URL`,
      ),
    );
  });

  test('the identity provider is down', async () => {
    const port = await freePort();
    const result = await runCli(['list'], { ...system.env, TODO_AUTHORITY: `http://localhost:${port}` });
    oneLine(
      result,
      6,
      /cannot reach the identity provider at http:\/\/localhost:\d+ \(ECONNREFUSED\).*check TODO_AUTHORITY/,
    );
  });
});

describe('usage and configuration: exit 2, nothing sent', () => {
  const cases: [string, string[], Record<string, string | undefined>, RegExp][] = [
    [
      'a client without a credential',
      ['list'],
      { TODO_CLIENT_ID: 'my-daemon' },
      /client my-daemon needs a credential: set TODO_CLIENT_SECRET, or TODO_PRIVATE_KEY/,
    ],
    [
      'a remote authority without a client id',
      ['list'],
      { TODO_AUTHORITY: 'https://login.example.com/tenant/v2.0' },
      /TODO_CLIENT_ID .* is required/,
    ],
    [
      'an API URL that is not a URL',
      ['list'],
      { TODO_API_URL: 'localhost:3000' },
      /TODO_API_URL must be an absolute http\(s\) URL/,
    ],
    [
      'plain http to a remote API',
      ['list'],
      { TODO_API_URL: 'http://api.example.com' },
      /TODO_API_URL must use https/,
    ],
    [
      'a secret and a key at once',
      ['list'],
      { TODO_CLIENT_SECRET: 's', TODO_PRIVATE_KEY: 'k.pem' },
      /give either TODO_CLIENT_SECRET or TODO_PRIVATE_KEY, not both/,
    ],
    [
      'a key file that does not exist',
      ['list'],
      { TODO_CLIENT_ID: 'x', TODO_PRIVATE_KEY: '/nonexistent/key.pem' },
      /TODO_PRIVATE_KEY: cannot read \/nonexistent\/key\.pem \(ENOENT\)/,
    ],
    ['no command', [], {}, /no command given/],
    ['an unknown command', ['frobnicate'], {}, /unknown command "frobnicate"/],
    ['an unknown option', ['list', '--colour'], {}, /Unknown option '--colour'/],
    ['add without --owner', ['add', 'text'], {}, /"add" needs --owner/],
    [
      'an impossible due date',
      ['add', 'text', '--owner', 'x', '--due', '2030-02-30'],
      {},
      /--due must be a date as YYYY-MM-DD/,
    ],
    ['an unknown seed op', ['--op', 'getStuff'], {}, /--op getStuff is unknown/],
  ];
  for (const [label, args, env, pattern] of cases) {
    test(label, async () => {
      const result = await runCli(args, env);
      assert.equal(result.code, 2, result.stderr);
      assert.equal(result.stdout, '');
      assert.doesNotMatch(result.stderr, /\n\s+at /);
      assert.match(result.stderr, pattern);
    });
  }

  test('--help prints the usage with the exit codes, and exits 0', async () => {
    const result = await runCli(['--help'], {});
    assert.equal(result.code, 0);
    assert.match(result.stdout, /^usage: todo <command>/);
    assert.match(result.stdout, /3 authentication failed, 4 forbidden/);
  });
});
