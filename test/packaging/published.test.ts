/**
 * The published packages as an outside user gets them: `npm pack` of each, installed from the
 * tarballs into a project in the OS temp directory (no workspace links, no path imports), then:
 * packaging lints (publint, are-the-types-wrong), a strict TypeScript consumer, and four servers
 * written the way the library README and passport-azure-ad users write them, run against the dev
 * IdP started from its own packed bin, on Node 24 and on the lowest Node the packages support.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { freePort } from 'gatehouse-test-support/ports';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';
import {
  nodeBinary,
  type Packed,
  PUBLISHED,
  packAll,
  ROOT,
  repoRange,
  run,
  type Started,
  scratchDir,
  startProcess,
} from './scratch.ts';

/** The lowest Node the published packages declare (`engines`), and the current LTS. */
const LOWEST_NODE = '22.12.0';
const NODE_LINES = [LOWEST_NODE, 'current'] as const;
const AUDIENCE = 'api://todo';
const CONSUMER_FILES = join(import.meta.dirname, 'consumer');

interface TokenSet {
  accessToken: string;
}
interface DevIdpModule {
  getAppToken(options: { issuer: string; clientId?: string; clientSecret?: string }): Promise<TokenSet>;
  DEV_CLIENT_IDS: { daemonReadOnly: string };
  DEV_READONLY_SECRET: string;
}

let dir = '';
let project = '';
let packed: Packed[] = [];

before(async () => {
  dir = scratchDir('gatehouse-consumer-');
  packed = await packAllInto(join(dir, 'tarballs'));
  project = join(dir, 'project');
  mkdirSync(project);
  const dependencies: Record<string, string> = {};
  for (const p of packed) dependencies[p.name] = `file:${p.tarball}`;
  for (const name of ['express', 'passport', 'fastify', 'typescript', '@types/node', '@types/express'])
    dependencies[name] = repoRange(name);
  writeFileSync(
    join(project, 'package.json'),
    `${JSON.stringify({ name: 'consumer', private: true, type: 'module', dependencies }, null, 2)}\n`,
  );
  cpSync(CONSUMER_FILES, project, { recursive: true });
  const installed = await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline'], {
    cwd: project,
  });
  assert.equal(installed.code, 0, `npm install of the tarballs failed:\n${installed.stderr}`);
});

after(() => {
  if (dir && !process.env.GATEHOUSE_KEEP_SCRATCH) rmSync(dir, { recursive: true, force: true });
});

async function packAllInto(destination: string): Promise<Packed[]> {
  mkdirSync(destination, { recursive: true });
  return packAll(destination);
}

describe('the tarballs', () => {
  test('hold built JavaScript, types, declaration maps, README, LICENSE and CHANGELOG, and no tests', () => {
    assert.deepEqual(packed.map((p) => p.name).sort(), PUBLISHED.map((p) => p.name).sort());
    for (const p of packed) {
      for (const file of ['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md'])
        assert.ok(p.files.includes(file), `${p.name} ships ${file}`);
      assert.ok(
        p.files.some((f) => f.startsWith('dist/') && f.endsWith('.js')),
        `${p.name} ships dist/*.js`,
      );
      assert.ok(
        p.files.some((f) => f.endsWith('.d.ts')),
        `${p.name} ships .d.ts`,
      );
      assert.ok(
        p.files.some((f) => f.endsWith('.d.ts.map')),
        `${p.name} ships declaration maps`,
      );
      const stray = p.files.filter((f) => /(^|\/)(test|tests|fixtures|examples)\/|\.test\.|tsconfig/.test(f));
      assert.deepEqual(stray, [], `${p.name} ships no tests, fixtures or build configuration`);
    }
  });

  test('every export and bin points at a shipped file; bins are built JS with a shebang', () => {
    for (const p of packed) {
      const manifest = JSON.parse(
        readFileSync(join(project, 'node_modules', p.name, 'package.json'), 'utf8'),
      ) as { exports: Record<string, string | Record<string, string>>; bin?: Record<string, string> };
      for (const [subpath, target] of Object.entries(manifest.exports)) {
        const targets = typeof target === 'string' ? [target] : Object.values(target);
        for (const t of targets)
          assert.ok(p.files.includes(t.replace(/^\.\//, '')), `${p.name} ${subpath}: ${t}`);
        if (typeof target !== 'string')
          assert.deepEqual(
            Object.keys(target),
            ['types', 'default'],
            `${p.name} ${subpath}: types then default`,
          );
      }
      for (const bin of Object.values(manifest.bin ?? {})) {
        assert.match(bin, /^\.\/dist\/.+\.js$/);
        const text = readFileSync(join(project, 'node_modules', p.name, bin), 'utf8');
        assert.ok(text.startsWith('#!/usr/bin/env node\n'), `${p.name} ${bin} starts with a shebang`);
      }
    }
  });

  test('publint finds nothing to fix (strict)', async () => {
    for (const p of packed) {
      const tarball = readFileSync(p.tarball);
      const { messages, pkg } = await publint({
        pack: { tarball: tarball.buffer.slice(tarball.byteOffset, tarball.byteOffset + tarball.byteLength) },
        strict: true,
      });
      const text = messages.map((m) => `${m.type}: ${formatMessage(m, pkg) ?? m.code}`);
      assert.deepEqual(text, [], `publint ${p.name}`);
    }
  });

  test('are-the-types-wrong finds nothing, require(esm) aside', async () => {
    const cli = join(ROOT, 'node_modules/@arethetypeswrong/cli/dist/index.js');
    for (const p of packed) {
      // `cjs-resolves-to-esm`: the packages are ES modules only, and CommonJS callers load them with
      // Node's require(esm) (22.12+), which TypeScript 5.8+ types under module nodenext; the CommonJS
      // consumers below prove it.
      const result = await run(
        process.execPath,
        [cli, p.tarball, '--ignore-rules', 'cjs-resolves-to-esm', '--format', 'ascii'],
        { cwd: dir },
      );
      assert.equal(result.code, 0, `attw ${p.name}:\n${result.stdout}${result.stderr}`);
      assert.match(result.stdout, /No problems found/, `attw ${p.name}:\n${result.stdout}`);
    }
  });

  test('a strict TypeScript consumer (module nodenext, skipLibCheck off) compiles against the .d.ts', async () => {
    const tsc = join(project, 'node_modules/typescript/bin/tsc');
    const result = await run(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: project });
    assert.equal(result.code, 0, `tsc:\n${result.stdout}${result.stderr}`);
    assert.deepEqual(readdirSync(join(project, 'build')).sort(), ['node-http.js', 'require.cjs']);
  });
});

for (const line of NODE_LINES) {
  describe(`installed packages on Node ${line === 'current' ? process.versions.node : line}`, () => {
    let node = '';
    let idp: Started | undefined;
    let issuer = '';
    const servers = new Map<string, { url: string; process: Started }>();
    let good = '';
    let readOnly = '';

    before(async () => {
      node = line === 'current' ? process.execPath : await nodeBinary(line);
      const version = (await run(node, ['--version'], { cwd: project })).stdout.trim();
      assert.equal(version, `v${line === 'current' ? process.versions.node : line}`);

      const idpPort = await freePort();
      idp = await startProcess(
        node,
        [
          join(project, 'node_modules/.bin/gatehouse-dev-idp'),
          '--port',
          String(idpPort),
          '--data-dir',
          join(dir, `idp-${line}`),
        ],
        { cwd: project, env: { ...process.env, NODE_ENV: 'development' }, ready: /dev-idp: issuer (\S+)/ },
      );
      issuer = /dev-idp: issuer (\S+)/.exec(idp.output())![1]!;

      // The packed dev IdP's own API, imported from the scratch project, gets the tokens.
      const devIdp = (await import(
        pathToFileURL(join(project, 'node_modules/gatehouse-dev-idp/dist/index.js')).href
      )) as DevIdpModule;
      good = (await devIdp.getAppToken({ issuer })).accessToken;
      readOnly = (
        await devIdp.getAppToken({
          issuer,
          clientId: devIdp.DEV_CLIENT_IDS.daemonReadOnly,
          clientSecret: devIdp.DEV_READONLY_SECRET,
        })
      ).accessToken;

      const consumers = {
        'ESM Express (library README)': ['express-esm.mjs'],
        'CommonJS passport-azure-ad options (require)': ['passport-cjs.cjs'],
        'Fastify plugin': ['fastify.mjs'],
        'TypeScript node:http, compiled by tsc': ['build/node-http.js'],
      };
      // Every server is recorded as it starts, so `after` stops them all even when one fails.
      const started = await Promise.allSettled(
        Object.entries(consumers).map(async ([name, args]) => {
          const port = await freePort();
          const env = {
            ...process.env,
            PORT: String(port),
            ISSUER: issuer,
            AUDIENCE,
            METADATA_URL: `${issuer}/.well-known/openid-configuration`,
          };
          const server = await startProcess(node, args, { cwd: project, env, ready: /listening/ });
          servers.set(name, { url: `http://127.0.0.1:${port}/hello`, process: server });
        }),
      );
      for (const result of started) if (result.status === 'rejected') throw result.reason;
    });

    after(async () => {
      await Promise.all([...servers.values()].map((s) => s.process.stop()));
      await idp?.stop();
    });

    for (const name of [
      'ESM Express (library README)',
      'CommonJS passport-azure-ad options (require)',
      'Fastify plugin',
      'TypeScript node:http, compiled by tsc',
    ]) {
      test(`${name}: 401 + Bearer challenge without a token, 200 with a valid one, 403 without the permission`, async () => {
        const server = servers.get(name);
        assert.ok(server, `${name} started`);
        const none = await fetch(server.url);
        assert.equal(none.status, 401);
        assert.match(none.headers.get('www-authenticate') ?? '', /^Bearer\b/);

        const ok = await fetch(server.url, { headers: { authorization: `Bearer ${good}` } });
        assert.equal(ok.status, 200, await ok.clone().text());
        const body = (await ok.json()) as { hello: unknown };
        assert.equal(typeof body.hello, 'string');

        const forbidden = await fetch(server.url, { headers: { authorization: `Bearer ${readOnly}` } });
        assert.equal(forbidden.status, 403);

        const tampered = `${good.slice(0, -4)}AAAA`;
        const bad = await fetch(server.url, { headers: { authorization: `Bearer ${tampered}` } });
        assert.equal(bad.status, 401);
        assert.match(bad.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
      });
    }

    test('npx gatehouse-auth explain: exit 0 and VALID for a good token, exit 1 for a tampered one', async () => {
      const bin = join(project, 'node_modules/.bin/gatehouse-auth');
      const args = ['--issuer', issuer, '--audience', AUDIENCE];
      const valid = await run(node, [bin, 'explain', good, ...args], { cwd: project });
      assert.equal(valid.code, 0, valid.stderr);
      assert.match(valid.stdout, /^verdict: VALID$/m);
      const invalid = await run(node, [bin, 'explain', `${good.slice(0, -4)}AAAA`, ...args], {
        cwd: project,
      });
      assert.equal(invalid.code, 1, invalid.stderr);
      assert.match(invalid.stdout, /^verdict: INVALID/m);
    });

    if (line === 'current') {
      test('npx resolves the bins by name in the consumer project', async () => {
        const result = await run('npx', ['--no-install', 'gatehouse-auth', '--help'], { cwd: project });
        assert.equal(result.code, 0, result.stderr);
        assert.match(result.stdout, /usage: gatehouse-auth explain/);
        const idpHelp = await run('npx', ['--no-install', 'gatehouse-dev-idp', '--help'], { cwd: project });
        assert.equal(idpHelp.code, 0, idpHelp.stderr);
        assert.match(idpHelp.stdout, /usage:/);
      });
    }
  });
}
