import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { createGatehouse, type Gatehouse } from 'gatehouse-auth';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { SqliteTodoStore } from '../src/store/sqlite.ts';
import { waitFor } from './helpers/app.ts';
import { startTestIssuer, type TestIssuer } from './helpers/issuer.ts';

interface Item {
  id: string;
  owner: string;
  text: string;
}

/** The API over real HTTP, trusting the given issuers. */
async function serve(issuers: TestIssuer[]): Promise<{ url: string; close(): Promise<void> }> {
  const config = loadConfig({
    AUTH_ISSUER: issuers[0]!.issuer,
    DATABASE_URL: 'sqlite::memory:',
    RATE_LIMIT: 'off',
  });
  const store = new SqliteTodoStore({ path: ':memory:' });
  const gatehouse: Gatehouse = createGatehouse({
    issuers: issuers.map((i) => ({ issuer: i.issuer, audience: config.auth.audience })),
  });
  const app: FastifyInstance = await buildApp({ config, store, gatehouse });
  await app.listen({ port: 0, host: '127.0.0.1' });
  gatehouse.start();
  await waitFor(() => gatehouse.ready);
  const { port } = app.server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      await app.close();
      gatehouse.close();
      await store.close();
    },
  };
}

async function call(url: string, token: string, init: { method?: string; body?: unknown } = {}) {
  const response = await fetch(url, {
    method: init.method ?? 'GET',
    headers: {
      authorization: `Bearer ${token}`,
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  return { status: response.status, body: (await response.json().catch(() => null)) as unknown };
}

describe('todo-api owners: issuer-qualified when several issuers are trusted', () => {
  let a: TestIssuer;
  let b: TestIssuer;
  before(async () => {
    a = await startTestIssuer();
    b = await startTestIssuer();
  });
  after(async () => {
    await a.close();
    await b.close();
  });

  test('users of two issuers with the same subject do not see or delete each other’s items', async () => {
    const api = await serve([a, b]);
    try {
      const todos = `${api.url}/api/todos`;
      const aliceA = await a.userToken('alice');
      const aliceB = await b.userToken('alice');
      const created = await call(todos, aliceA, { method: 'POST', body: { text: 'issuer A secret' } });
      assert.equal(created.status, 201);
      const item = created.body as Item;
      assert.deepEqual(JSON.parse(item.owner), [a.issuer, 'alice']);

      const listB = await call(todos, aliceB);
      assert.equal(listB.status, 200);
      assert.deepEqual(listB.body, []);
      assert.equal((await call(`${todos}/${item.id}`, aliceB)).status, 404);
      assert.equal((await call(`${todos}/${item.id}`, aliceB, { method: 'DELETE' })).status, 404);
      // Naming the other issuer's owner key is refused as for any other owner.
      const forged = await call(todos, aliceB, { method: 'POST', body: { text: 'x', owner: item.owner } });
      assert.equal(forged.status, 403);

      const listA = await call(todos, aliceA);
      assert.deepEqual(
        (listA.body as Item[]).map((i) => i.id),
        [item.id],
      );
    } finally {
      await api.close();
    }
  });

  test('with a single issuer the owner stays the raw oid', async () => {
    const api = await serve([a]);
    try {
      const created = await call(`${api.url}/api/todos`, await a.userToken('alice'), {
        method: 'POST',
        body: { text: 'mine' },
      });
      assert.equal(created.status, 201);
      assert.equal((created.body as Item).owner, 'alice');
    } finally {
      await api.close();
    }
  });
});
