import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DevIdpError, startDevIdp } from '../src/index.ts';
import { discover } from '../src/token-client.ts';
import { silent, tempDataDir } from './helpers.ts';

const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));

function runCli(args: string[], env: NodeJS.ProcessEnv = {}) {
  const child = spawn(process.execPath, [cli, ...args], {
    env: { ...process.env, NODE_ENV: 'development', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  return { child, exited, output: () => ({ stdout, stderr }) };
}

test('startDevIdp refuses to start with NODE_ENV=production', async (t) => {
  const saved = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  t.after(() => {
    // Assigning undefined would leave the string "undefined", which is not a development environment.
    if (saved === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = saved;
  });
  await assert.rejects(startDevIdp({ port: 0, dataDir: await tempDataDir(t), logger: silent }), (error) => {
    assert.ok(error instanceof DevIdpError);
    assert.equal(error.code, 'ERR_DEV_IDP_PRODUCTION');
    return true;
  });
});

test('invalid options are refused, naming the option', async () => {
  await assert.rejects(startDevIdp({ port: 70000 }), /option port must be/);
  await assert.rejects(startDevIdp({ issuer: 'http://idp.example.com' }), /option issuer must be https/);
  await assert.rejects(
    startDevIdp({ issuer: 'http://localhost:3001/tenant' }),
    /option issuer must be an origin/,
  );
});

test('the CLI exits 1 with one line under NODE_ENV=production', async (t) => {
  const run = runCli(['--port', '0', '--data-dir', await tempDataDir(t)], { NODE_ENV: 'production' });
  const [code] = await run.exited;
  assert.equal(code, 1);
  const { stderr } = run.output();
  assert.equal(stderr.trim().split('\n').length, 1);
  assert.match(stderr, /NODE_ENV=production/);
});

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  test(`the CLI prints the issuer, serves, and exits 0 on ${signal} within 5 s`, async (t) => {
    const run = runCli(['--port', '0', '--data-dir', await tempDataDir(t)]);
    t.after(() => run.child.kill('SIGKILL'));
    let issuer: string | undefined;
    for await (const _ of run.child.stdout) {
      issuer = /issuer (http:\/\/\S+)/.exec(run.output().stdout)?.[1];
      if (issuer) break;
    }
    assert.ok(issuer, run.output().stderr);
    assert.equal((await discover(issuer)).issuer, issuer);

    const started = Date.now();
    run.child.kill(signal);
    const [code] = await run.exited;
    assert.equal(code, 0);
    assert.ok(Date.now() - started < 5000);
  });
}

for (const nodeEnv of ['Production', 'PRODUCTION', 'production ', 'prod', 'staging']) {
  test(`the CLI refuses NODE_ENV=${JSON.stringify(nodeEnv)} with one line`, async (t) => {
    const run = runCli(['--port', '0', '--data-dir', await tempDataDir(t)], { NODE_ENV: nodeEnv });
    t.after(() => run.child.kill('SIGKILL'));
    // A CLI that starts instead would never exit: fail the test rather than hang it.
    let timer: NodeJS.Timeout | undefined;
    const started = new Promise<['still running']>((done) => {
      timer = setTimeout(() => done(['still running']), 60_000);
    });
    const [code] = await Promise.race([run.exited, started]).finally(() => clearTimeout(timer));
    assert.equal(code, 1);
    const { stderr } = run.output();
    assert.equal(stderr.trim().split('\n').length, 1, stderr);
    assert.match(stderr, /NODE_ENV/);
  });
}

for (const nodeEnv of [undefined, 'test']) {
  test(`the CLI starts with NODE_ENV=${nodeEnv ?? 'unset'}, on loopback and without a warning`, async (t) => {
    const run = runCli(['--port', '0', '--data-dir', await tempDataDir(t)], { NODE_ENV: nodeEnv });
    t.after(() => run.child.kill('SIGKILL'));
    for await (const _ of run.child.stdout) if (/issuer http/.test(run.output().stdout)) break;
    assert.match(run.output().stdout, /issuer http/, run.output().stderr);
    assert.doesNotMatch(run.output().stderr + run.output().stdout, /WARNING/);
    run.child.kill('SIGTERM');
    await run.exited;
  });
}

test('the CLI warns when --host puts it on every interface', async (t) => {
  const run = runCli(['--port', '0', '--host', '0.0.0.0', '--data-dir', await tempDataDir(t)]);
  t.after(() => run.child.kill('SIGKILL'));
  for await (const _ of run.child.stdout) if (/issuer http/.test(run.output().stdout)) break;
  assert.match(run.output().stdout + run.output().stderr, /WARNING: listening on 0\.0\.0\.0/);
  run.child.kill('SIGTERM');
  await run.exited;
});
