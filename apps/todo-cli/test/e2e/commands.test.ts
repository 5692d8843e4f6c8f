/**
 * Every command, end to end: the CLI as a child process against a real dev IdP and a real API
 * (child processes), with a client secret and with private_key_jwt.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { getAppToken } from 'gatehouse-dev-idp';
import { freePort } from 'gatehouse-test-support/ports';
import { tempDir } from 'gatehouse-test-support/temp';
import { ALICE, BOB, CLI_PACKAGE, runCli, type System, startSystem } from '../helpers/system.ts';

const JWT = /eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+/;

interface Item {
  id: string;
  owner: string;
  text: string;
  completed: boolean;
  dueDate: string | null;
}

let system: System;

before(async () => {
  system = await startSystem();
});
after(() => system?.stop());

async function ok(args: string[], env: Record<string, string | undefined> = system.env) {
  const result = await runCli(args, env);
  assert.equal(result.code, 0, `todo ${args.join(' ')}: ${result.stderr}`);
  assert.equal(result.stderr, '');
  return result.stdout;
}

async function listJson(env: Record<string, string | undefined> = system.env): Promise<Item[]> {
  return JSON.parse(await ok(['list', '--json'], env)) as Item[];
}

function lifecycle(label: string, env: () => Record<string, string | undefined>) {
  test(`${label}: add, list, show, done, rm, then not found`, async () => {
    const added = JSON.parse(
      await ok(
        ['add', `Water the plants (${label})`, '--owner', ALICE, '--due', '2030-01-31', '--json'],
        env(),
      ),
    ) as Item;
    assert.equal(added.owner, ALICE);
    assert.equal(added.completed, false);
    assert.equal(added.dueDate, '2030-01-31');
    assert.match(added.id, /^[\w-]{22}$/);

    const table = await ok(['list'], env());
    const [header, ...rows] = table.trimEnd().split('\n');
    assert.match(header ?? '', /^ID\s+DONE\s+DUE\s+OWNER\s+TEXT$/);
    const row = rows.find((line) => line.startsWith(added.id));
    assert.ok(row, table);
    assert.match(row, new RegExp(`^${added.id}\\s+no\\s+2030-01-31\\s+${ALICE}\\s+Water the plants`));

    assert.match(
      await ok(['show', added.id], env()),
      new RegExp(`^${added.id}  Water the plants .*due 2030-01-31`),
    );

    assert.match(await ok(['done', added.id], env()), /^Done .*\[done\]/);
    const afterDone = (await listJson(env())).find((item) => item.id === added.id);
    assert.equal(afterDone?.completed, true);

    assert.equal(await ok(['rm', added.id], env()), `Removed ${added.id}\n`);
    assert.equal(
      (await listJson(env())).find((item) => item.id === added.id),
      undefined,
    );

    for (const command of ['show', 'done', 'rm']) {
      const gone = await runCli([command, added.id], env());
      assert.equal(gone.code, 5, `${command}: ${gone.stderr}`);
      assert.equal(gone.stdout, '');
      assert.match(gone.stderr, new RegExp(`^todo: not found: no to-do item ${added.id}.*\\n$`));
    }
  });
}

describe('with a client secret (todo-daemon)', () => {
  lifecycle('secret', () => system.env);

  test('list --owner filters; an empty list says so', async () => {
    const stranger = '00000000-0000-4000-8000-000000000000';
    assert.equal(await ok(['list', '--owner', stranger]), 'No to-do items.\n');
    assert.deepEqual(JSON.parse(await ok(['list', '--owner', stranger, '--json'])), []);

    const forBob = JSON.parse(await ok(['add', 'Call the plumber', '--owner', BOB, '--json'])) as Item;
    const forAlice = JSON.parse(await ok(['add', 'Book flights', '--owner', ALICE, '--json'])) as Item;
    const bobs = JSON.parse(await ok(['list', '--owner', BOB, '--json'])) as Item[];
    assert.ok(bobs.some((item) => item.id === forBob.id));
    assert.ok(bobs.every((item) => item.owner === BOB));
    assert.equal(forBob.dueDate, null);
    await ok(['rm', forBob.id]);
    await ok(['rm', forAlice.id]);
  });

  test('list follows the API pagination past one page (200 items)', async () => {
    const { accessToken } = await getAppToken({ issuer: system.issuer });
    const owner = '11111111-2222-4333-8444-555555555555';
    const created = await Promise.all(
      Array.from({ length: 205 }, async (_, index) => {
        const response = await fetch(`${system.apiUrl}/api/todos`, {
          method: 'POST',
          headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
          body: JSON.stringify({ text: `item ${index}`, owner }),
        });
        assert.equal(response.status, 201);
        return ((await response.json()) as Item).id;
      }),
    );
    const listed = JSON.parse(await ok(['list', '--owner', owner, '--json'])) as Item[];
    assert.deepEqual(new Set(listed.map((item) => item.id)), new Set(created));

    // One id in 64 starts with "-"; among 205 there almost always is one: it is an id, not an option.
    const dashed = created.find((id) => id.startsWith('-'));
    if (dashed) assert.match(await ok(['show', dashed]), new RegExp(`^${dashed}  item `));
  });

  test('text with terminal control characters is printed harmlessly', async () => {
    const item = JSON.parse(await ok(['add', 'evil \u001b[2J title', '--owner', ALICE, '--json'])) as Item;
    const table = await ok(['list', '--owner', ALICE]);
    assert.ok(!table.includes('\u001b'), 'no escape character reaches the terminal');
    assert.match(table, /evil \ufffd\[2J title/);
    await ok(['rm', item.id]);
  });
});

describe('with private_key_jwt (todo-daemon-cert and its key file)', () => {
  const env = () => ({
    TODO_AUTHORITY: system.issuer,
    TODO_API_URL: system.apiUrl,
    TODO_CLIENT_ID: 'todo-daemon-cert',
    TODO_PRIVATE_KEY: join(system.idpDataDir, 'daemon-cert.key.pem'),
  });
  lifecycle('private key', env);

  test('the token says the client authenticated with a key (azpacr 2)', async () => {
    const claims = JSON.parse(await ok(['token', '--json'], env())) as Record<string, unknown>;
    assert.equal(claims.azp, 'todo-daemon-cert');
    assert.equal(claims.azpacr, '2');
  });

  test('with its certificate (x5t#S256 header) it still authenticates; a foreign certificate is refused', async (t) => {
    const dir = tempDir('todo-cli-cert-');
    t.after(() => dir.remove());
    const key = join(system.idpDataDir, 'daemon-cert.key.pem');
    const cert = join(dir.path, 'daemon.crt');
    execFileSync('openssl', [
      'req',
      '-x509',
      '-new',
      '-key',
      key,
      '-subj',
      '/CN=todo-daemon-cert',
      '-days',
      '2',
      '-out',
      cert,
    ]);
    const claims = JSON.parse(await ok(['token', '--json', '--certificate', cert], env())) as Record<
      string,
      unknown
    >;
    assert.equal(claims.azp, 'todo-daemon-cert');

    const otherKey = join(dir.path, 'other.key');
    const otherCert = join(dir.path, 'other.crt');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        otherKey,
        '-subj',
        '/CN=x',
        '-days',
        '2',
        '-out',
        otherCert,
      ],
      { stdio: 'ignore' },
    );
    const refused = await runCli(['list'], { ...env(), TODO_CERTIFICATE: otherCert });
    assert.equal(refused.code, 2);
    assert.match(
      refused.stderr,
      /^todo: TODO_CERTIFICATE: .*other\.crt is not the certificate of the key in .*\n$/,
    );
  });
});

describe('todo token', () => {
  test('prints the decoded claims, never the token itself', async () => {
    const human = await ok(['token']);
    assert.doesNotMatch(human, JWT);
    assert.match(
      human,
      /^Access token of todo-daemon for api:\/\/todo\/\.default, expires .* \(in (59|60) min\)\n/,
    );
    assert.match(human, /"roles": \[\n\s+"ToDoList.Read.All",\n\s+"ToDoList.ReadWrite.All"\n\s+\]/);

    const claims = JSON.parse(await ok(['token', '--json'])) as Record<string, unknown>;
    assert.equal(claims.iss, system.issuer);
    assert.equal(claims.aud, 'api://todo');
    assert.equal(claims.idtyp, 'app');
    assert.equal(claims.azp, 'todo-daemon');
  });

  test('--raw prints the token (and only then), one that the API accepts', async () => {
    const raw = (await ok(['token', '--raw'])).trim();
    assert.match(raw, new RegExp(`^${JWT.source}$`));
    const response = await fetch(`${system.apiUrl}/api/todos`, {
      headers: { authorization: `Bearer ${raw}` },
    });
    assert.equal(response.status, 200);
  });
});

describe("the MSAL daemon tutorial's own form", () => {
  test('node apps/todo-cli --op getToDos lists, and the other ops map to commands', async () => {
    const entry = { entry: CLI_PACKAGE };
    const posted = await runCli(
      ['--op', 'postToDo', '--text', 'From the seed', '--owner', ALICE, '--json'],
      system.env,
      entry,
    );
    assert.equal(posted.code, 0, posted.stderr);
    const item = JSON.parse(posted.stdout) as Item;

    const listed = await runCli(['--op', 'getToDos'], system.env, entry);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, new RegExp(`${item.id}.*From the seed`));

    const one = await runCli(['--op', 'getToDo', '--id', item.id], system.env, entry);
    assert.equal(one.code, 0, one.stderr);
    assert.match(one.stdout, /From the seed/);

    const deleted = await runCli(['--op', 'deleteToDo', '--id', item.id], system.env, entry);
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.equal((await runCli(['--op', 'getToDo', '--id', item.id], system.env, entry)).code, 5);
  });
});

describe('configuration sources', () => {
  test('a .env file in the working directory configures the CLI; the environment wins over it', async (t) => {
    const dir = tempDir('todo-cli-dotenv-');
    t.after(() => dir.remove());
    writeFileSync(
      join(dir.path, '.env'),
      [
        '# the dev system',
        `TODO_AUTHORITY=${system.issuer}`,
        `TODO_API_URL="${system.apiUrl}"`,
        'TODO_CLIENT_ID=todo-daemon',
        'TODO_CLIENT_SECRET=dev-daemon-secret',
        '',
      ].join('\n'),
    );
    const fromFile = await runCli(['token', '--json'], {}, { cwd: dir.path });
    assert.equal(fromFile.code, 0, fromFile.stderr);
    assert.equal((JSON.parse(fromFile.stdout) as { azp: string }).azp, 'todo-daemon');

    const overridden = await runCli(['list'], { TODO_CLIENT_SECRET: 'not-the-secret' }, { cwd: dir.path });
    assert.equal(overridden.code, 3, overridden.stderr);
    assert.doesNotMatch(overridden.stderr, /not-the-secret|dev-daemon-secret/);

    const port = await freePort();
    const flag = await runCli(['list', '--api-url', `http://127.0.0.1:${port}`], {}, { cwd: dir.path });
    assert.equal(flag.code, 6, 'a flag wins over .env');
    assert.match(flag.stderr, new RegExp(`cannot reach the API at http://127.0.0.1:${port} `));
  });
});
