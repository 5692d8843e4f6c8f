/**
 * Behind a load balancer every request arrives from the balancer's address. One client's flood of
 * bad tokens must not spend anyone else's budget: TRUST_PROXY makes `request.ip` the client's,
 * and valid tokens are counted only against their own caller. Two clients with distinct real
 * source addresses (127.0.0.2, 127.0.0.3) go through a real HTTP proxy that appends
 * `X-Forwarded-For`, as a load balancer does.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { freePortBlock } from 'gatehouse-test-support/ports';
import { tempDir } from 'gatehouse-test-support/temp';
import { startTestIssuer } from '../helpers/issuer.ts';
import { run, waitForReady } from '../helpers/processes.ts';
import { createTestRedis } from '../helpers/services.ts';

/** A reverse proxy on 127.0.0.1 that appends the connecting client's address to X-Forwarded-For. */
async function startForwardingProxy(target: number): Promise<{ port: number; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const forwarded = [req.headers['x-forwarded-for'], req.socket.remoteAddress].filter(Boolean).join(', ');
    const upstream = request(
      {
        host: '127.0.0.1',
        port: target,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, 'x-forwarded-for': forwarded },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

/** One request from a chosen source address, so the two clients are told apart by address alone. */
function from(
  source: string,
  port: number,
  token: string,
): Promise<{ status: number; remaining: string | undefined }> {
  return new Promise((done, fail) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/api/todos',
        localAddress: source,
        agent: false,
        headers: { authorization: `Bearer ${token}` },
      },
      (res) => {
        res.resume();
        res.on('end', () =>
          done({
            status: res.statusCode ?? 0,
            remaining: res.headers['ratelimit-remaining'] as string | undefined,
          }),
        );
      },
    );
    req.on('error', fail);
    req.end();
  });
}

for (const store of ['memory', 'redis'] as const) {
  describe(`one client's bad tokens behind a proxy (${store} rate-limit state)`, () => {
    it('never cost another client anything: the flooder gets 429, the other client keeps its whole budget', async () => {
      const issuer = await startTestIssuer();
      const redis = store === 'redis' ? await createTestRedis() : undefined;
      const work = tempDir('todo-proxy-rl-');
      const port = await freePortBlock();
      const api = run(['scripts/start.ts'], {
        PORT: String(port),
        AUTH_ISSUER: issuer.issuer,
        DATABASE_URL: `sqlite:${work.path}/todos.db`,
        RATE_LIMIT: '5/600',
        TRUST_PROXY: '127.0.0.1',
        ...(redis ? { REDIS_URL: redis.url } : {}),
      });
      const proxy = await startForwardingProxy(port);
      try {
        await waitForReady(api, `http://127.0.0.1:${port}/ready`, 'the API');
        const good = await issuer.userToken('bob');
        const first = await from('127.0.0.3', proxy.port, good);
        assert.equal(first.status, 200);
        assert.equal(first.remaining, '4');

        const flood: number[] = [];
        for (let i = 0; i < 12; i++) flood.push((await from('127.0.0.2', proxy.port, `${good}x`)).status);
        assert.equal(flood[0], 401);
        assert.equal(flood.at(-1), 429, `the flooder is limited: ${flood.join(',')}`);

        const after = await from('127.0.0.3', proxy.port, good);
        assert.equal(after.status, 200, 'the other client is not refused');
        assert.equal(after.remaining, '3', 'the other client paid only for its own call');
        // Even a valid token sent from the flooding address is served: it is counted against its caller.
        const validFromFlooder = await from('127.0.0.2', proxy.port, await issuer.userToken('carol'));
        assert.equal(validFromFlooder.status, 200);
      } finally {
        await proxy.close();
        await api.stop();
        api.killGroup();
        await redis?.cleanup();
        await issuer.close();
        work.remove();
      }
    });
  });
}

describe('TRUST_PROXY is validated', () => {
  it('stops start-up with one line naming TRUST_PROXY', async () => {
    const proc = run(['scripts/start.ts'], {
      PORT: String(await freePortBlock()),
      AUTH_ISSUER: 'http://127.0.0.1:9',
      TRUST_PROXY: '10.0.0.0/99',
    });
    try {
      assert.equal(await proc.exited, 1);
      const lines = proc.output().trim().split('\n');
      assert.equal(lines.length, 1, proc.output());
      assert.match(lines[0] ?? '', /TRUST_PROXY/);
    } finally {
      proc.killGroup();
    }
  });
});
