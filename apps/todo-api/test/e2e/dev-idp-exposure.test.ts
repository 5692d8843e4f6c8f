/**
 * `npm start` must not put the dev IdP (password-less sign-in, published client secrets) on the
 * network because the API was, nor run it in anything that looks like production.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { describe, it } from 'node:test';
import { freePortBlock } from 'gatehouse-test-support/ports';
import { tempDir } from 'gatehouse-test-support/temp';
import { type RunningProcess, run, startDevSystem } from '../helpers/processes.ts';

/** Addresses of this machine that a socket bound to 127.0.0.1 does not answer on, but 0.0.0.0 does. */
function nonLoopbackAddresses(): string[] {
  const external = Object.values(networkInterfaces())
    .flat()
    .filter((a) => a !== undefined && !a.internal && a.family === 'IPv4')
    .map((a) => a?.address ?? '');
  // 127.0.0.2 is this machine too, yet not the 127.0.0.1 a loopback-only server binds.
  return [...external, '127.0.0.2'];
}

function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect({ host, port, timeout: 5000 });
    socket.once('connect', () => {
      socket.destroy();
      done(true);
    });
    socket.once('error', () => done(false));
    socket.once('timeout', () => {
      socket.destroy();
      done(false);
    });
  });
}

/** The exit code, or 'still running' when the process is still up after `ms` (it then started). */
function exitWithin(proc: RunningProcess, ms: number): Promise<number | string> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<string>((done) => {
    timer = setTimeout(() => done('still running'), ms);
  });
  return Promise.race([proc.exited, deadline]).finally(() => clearTimeout(timer));
}

describe('dev IdP exposure', () => {
  it('HOST=0.0.0.0 exposes the API but keeps the dev IdP on loopback', async () => {
    const data = tempDir('todo-exposure-');
    const system = await startDevSystem(data.path, { HOST: '0.0.0.0' });
    try {
      for (const address of nonLoopbackAddresses()) {
        assert.equal(await accepts(address, system.port), true, `the API answers on ${address}`);
        assert.equal(await accepts(address, system.port + 1), false, `the dev IdP answers on ${address}`);
      }
      assert.equal(await accepts('127.0.0.1', system.port + 1), true);
      assert.doesNotMatch(system.process.output(), /WARNING/);
    } finally {
      await system.stop();
      system.process.killGroup();
      data.remove();
    }
  });

  it('DEV_IDP_HOST=0.0.0.0 exposes the dev IdP only when asked, with a warning', async () => {
    const data = tempDir('todo-exposure-');
    const system = await startDevSystem(data.path, { DEV_IDP_HOST: '0.0.0.0' });
    try {
      assert.equal(await accepts('127.0.0.2', system.port + 1), true);
      assert.match(system.process.output(), /dev-idp: WARNING: listening on 0\.0\.0\.0/);
    } finally {
      await system.stop();
      system.process.killGroup();
      data.remove();
    }
  });

  it('refuses a bad DEV_IDP_HOST with one line naming it', async () => {
    const data = tempDir('todo-exposure-');
    const proc = run(['scripts/start.ts'], {
      PORT: String(await freePortBlock()),
      DATA_DIR: data.path,
      AUTH_ISSUER: undefined,
      DEV_IDP_HOST: 'a b',
    });
    try {
      assert.equal(await exitWithin(proc, 60_000), 1, proc.output());
      const lines = proc.output().trim().split('\n');
      assert.equal(lines.length, 1, proc.output());
      assert.match(lines[0] ?? '', /DEV_IDP_HOST/);
    } finally {
      proc.killGroup();
      data.remove();
    }
  });

  for (const nodeEnv of ['Production', 'PRODUCTION', 'production ', 'prod', 'staging']) {
    it(`refuses to start the dev IdP with NODE_ENV=${JSON.stringify(nodeEnv)}, in one line`, async () => {
      const data = tempDir('todo-nodeenv-');
      const proc = run(['scripts/start.ts'], {
        PORT: String(await freePortBlock()),
        DATA_DIR: data.path,
        AUTH_ISSUER: undefined,
        NODE_ENV: nodeEnv,
      });
      try {
        assert.equal(await exitWithin(proc, 60_000), 1, proc.output());
        const lines = proc.output().trim().split('\n');
        assert.equal(lines.length, 1, proc.output());
        assert.match(lines[0] ?? '', /NODE_ENV/);
      } finally {
        proc.killGroup();
        data.remove();
      }
    });
  }
});
