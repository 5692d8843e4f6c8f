import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Todo } from '../src/store/types.ts';
import { bearer, makeTestApp, type TestApp } from './helpers/app.ts';

let t: TestApp;
let alice: string;
let bob: string;
let daemon: string;

before(async () => {
  t = await makeTestApp();
  alice = await t.issuer.userToken('alice');
  bob = await t.issuer.userToken('bob');
  daemon = await t.issuer.appToken();
});
after(() => t?.close());

async function call(
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  url: string,
  token?: string,
  payload?: unknown,
) {
  const res = await t.app.inject({
    method,
    url,
    headers: token ? bearer(token) : {},
    ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
  });
  return {
    status: res.statusCode,
    headers: res.headers,
    body: res.body ? (JSON.parse(res.body) as unknown) : undefined,
  };
}

async function create(token: string, payload: Record<string, unknown>): Promise<Todo> {
  const res = await call('POST', '/api/todos', token, payload);
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body as Todo;
}

function assertProblem(
  res: { status: number; headers: Record<string, unknown>; body: unknown },
  status: number,
): void {
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
  const body = res.body as Record<string, unknown>;
  assert.equal(body.status, status);
  assert.equal(typeof body.title, 'string');
  assert.equal(typeof body.type, 'string');
  assert.equal(typeof body.detail, 'string');
}

describe('to-do items for a user', () => {
  it('create, read, list, update and delete', async () => {
    const res = await call('POST', '/api/todos', alice, { text: 'write tests', dueDate: '2030-06-01' });
    assert.equal(res.status, 201);
    const todo = res.body as Todo;
    assert.equal(res.headers.location, `/api/todos/${todo.id}`);
    assert.deepEqual(Object.keys(todo).sort(), [
      'completed',
      'createdAt',
      'dueDate',
      'id',
      'owner',
      'text',
      'updatedAt',
    ]);
    assert.equal(todo.owner, 'alice');
    assert.equal(todo.completed, false);

    assert.deepEqual((await call('GET', `/api/todos/${todo.id}`, alice)).body, todo);
    const list = await call('GET', '/api/todos', alice);
    assert.equal(list.status, 200);
    assert.ok((list.body as Todo[]).some((item) => item.id === todo.id));

    const patched = await call('PATCH', `/api/todos/${todo.id}`, alice, { completed: true, dueDate: null });
    assert.equal(patched.status, 200);
    assert.equal((patched.body as Todo).completed, true);
    assert.equal((patched.body as Todo).dueDate, null);
    assert.equal((patched.body as Todo).text, 'write tests');

    const deleted = await call('DELETE', `/api/todos/${todo.id}`, alice);
    assert.equal(deleted.status, 204);
    assert.equal(deleted.body, undefined);
    assertProblem(await call('GET', `/api/todos/${todo.id}`, alice), 404);
    assertProblem(await call('DELETE', `/api/todos/${todo.id}`, alice), 404);
  });

  it('accepts a date, a date-time or null as dueDate', async () => {
    for (const dueDate of ['2030-01-31', '2030-01-31T09:30:00Z', '2030-01-31T09:30:00.5+02:00', null]) {
      assert.equal((await create(alice, { text: 'due', dueDate })).dueDate, dueDate);
    }
  });

  it('may name itself as owner, but nobody else', async () => {
    assert.equal((await create(alice, { text: 'mine', owner: 'alice' })).owner, 'alice');
    const res = await call('POST', '/api/todos', alice, { text: 'for bob', owner: 'bob' });
    assertProblem(res, 403);
    const bobs = (await call('GET', '/api/todos', bob)).body as Todo[];
    assert.ok(!bobs.some((item) => item.text === 'for bob'));
  });
});

describe('ownership', () => {
  it("another user's item is a 404 for every operation and stays unchanged", async () => {
    const secret = await create(bob, { text: "bob's secret" });
    assertProblem(await call('GET', `/api/todos/${secret.id}`, alice), 404);
    assertProblem(await call('PATCH', `/api/todos/${secret.id}`, alice, { text: 'pwned' }), 404);
    assertProblem(await call('DELETE', `/api/todos/${secret.id}`, alice), 404);
    const list = (await call('GET', '/api/todos?limit=200', alice)).body as Todo[];
    assert.ok(list.every((item) => item.owner === 'alice'));
    assert.deepEqual((await call('GET', `/api/todos/${secret.id}`, bob)).body, secret);
  });
});

describe('applications', () => {
  it('see every owner’s items', async () => {
    const a = await create(alice, { text: 'a' });
    const b = await create(bob, { text: 'b' });
    const list = (await call('GET', '/api/todos?limit=200', daemon)).body as Todo[];
    const ids = new Set(list.map((item) => item.id));
    assert.ok(ids.has(a.id) && ids.has(b.id));
    assert.deepEqual((await call('GET', `/api/todos/${b.id}`, daemon)).body, b);
  });

  it('must give owner when creating', async () => {
    const res = await call('POST', '/api/todos', daemon, { text: 'no owner' });
    assertProblem(res, 400);
    const created = await create(daemon, { text: 'for alice', owner: 'alice' });
    assert.equal(created.owner, 'alice');
    assert.deepEqual((await call('GET', `/api/todos/${created.id}`, alice)).body, created);
  });

  it('with ReadWrite.All change and delete any item', async () => {
    const item = await create(bob, { text: 'bob' });
    assert.equal(
      ((await call('PATCH', `/api/todos/${item.id}`, daemon, { text: 'edited' })).body as Todo).text,
      'edited',
    );
    assert.equal((await call('DELETE', `/api/todos/${item.id}`, daemon)).status, 204);
  });

  it('with Read.All only can read but not write', async () => {
    const reader = await t.issuer.appToken(['ToDoList.Read.All']);
    assert.equal((await call('GET', '/api/todos', reader)).status, 200);
    const res = await call('POST', '/api/todos', reader, { text: 'x', owner: 'alice' });
    assertProblem(res, 403);
    assert.match(String(res.headers['www-authenticate']), /error="insufficient_scope"/);
    assert.match(String(res.headers['www-authenticate']), /ToDoList\.ReadWrite\.All/);
  });
});

describe('scopes', () => {
  it('a read-only token reads but cannot write: 403 insufficient_scope', async () => {
    const item = await create(alice, { text: 'keep me' });
    const reader = await t.issuer.userToken('alice', 'ToDoList.Read');
    assert.equal((await call('GET', `/api/todos/${item.id}`, reader)).status, 200);
    for (const res of [
      await call('POST', '/api/todos', reader, { text: 'new' }),
      await call('PATCH', `/api/todos/${item.id}`, reader, { text: 'changed' }),
      await call('DELETE', `/api/todos/${item.id}`, reader),
    ]) {
      assertProblem(res, 403);
      const challenge = String(res.headers['www-authenticate']);
      assert.match(challenge, /^Bearer /);
      assert.match(challenge, /error="insufficient_scope"/);
      assert.match(challenge, /scope="ToDoList\.ReadWrite"/);
    }
    assert.deepEqual((await call('GET', `/api/todos/${item.id}`, alice)).body, item);
  });

  it('matches scopes exactly', async () => {
    for (const scope of ['ToDoList.ReadX', 'todolist.read', 'ToDoList.Read.All']) {
      const token = await t.issuer.userToken('alice', scope);
      assertProblem(await call('GET', '/api/todos', token), 403);
    }
  });
});

describe('authentication', () => {
  it('no token: 401 with a bare challenge', async () => {
    const res = await call('GET', '/api/todos');
    assertProblem(res, 401);
    assert.match(String(res.headers['www-authenticate']), /^Bearer/);
    assert.doesNotMatch(String(res.headers['www-authenticate']), /error=/);
  });

  it('another scheme counts as no token', async () => {
    const res = await t.app.inject({
      url: '/api/todos',
      headers: { authorization: 'Basic YWxpY2U6c2VjcmV0' },
    });
    assert.equal(res.statusCode, 401);
    assert.doesNotMatch(String(res.headers['www-authenticate']), /error=/);
  });

  it('garbage, forged or foreign tokens: 401 invalid_token', async () => {
    const forged = `${alice.slice(0, -10)}AAAAAAAAAA`;
    const wrongAudience = await t.issuer.sign({ oid: 'alice', scp: 'ToDoList.Read', aud: 'api://other' });
    const wrongIssuer = await t.issuer.sign({
      oid: 'alice',
      scp: 'ToDoList.Read',
      iss: 'http://127.0.0.1:1',
    });
    const expired = await t.issuer.sign({
      oid: 'alice',
      scp: 'ToDoList.Read',
      exp: Math.floor(Date.now() / 1000) - 3600,
    });
    for (const token of ['not-a-jwt', forged, wrongAudience, wrongIssuer, expired, 'e30.e30.']) {
      const res = await call('GET', '/api/todos', token);
      assertProblem(res, 401);
      assert.match(String(res.headers['www-authenticate']), /error="invalid_token"/);
    }
  });

  it('ignores a token in the query string', async () => {
    const res = await t.app.inject({ url: `/api/todos?access_token=${alice}` });
    assert.equal(res.statusCode, 401);
    assert.doesNotMatch(String(res.headers['www-authenticate']), /error=/);
  });

  it('accepts the scheme in any case', async () => {
    const res = await t.app.inject({ url: '/api/todos', headers: { authorization: `bEaReR ${alice}` } });
    assert.equal(res.statusCode, 200);
  });
});

describe('pagination', () => {
  it('pages with limit and a Link rel=next until the end', async () => {
    const carol = await t.issuer.userToken('carol');
    const made: string[] = [];
    for (let i = 0; i < 7; i++) made.push((await create(carol, { text: `c${i}` })).id);
    const seen: string[] = [];
    let url: string | undefined = '/api/todos?limit=3';
    let pages = 0;
    while (url) {
      const res: { statusCode: number; body: string; headers: Record<string, unknown> } = await t.app.inject({
        url,
        headers: bearer(carol),
      });
      assert.equal(res.statusCode, 200);
      seen.push(...(JSON.parse(res.body) as Todo[]).map((item) => item.id));
      const link = res.headers.link as string | undefined;
      url = link ? /^<([^>]+)>; rel="next"$/.exec(link)?.[1] : undefined;
      pages++;
    }
    assert.equal(pages, 3);
    assert.deepEqual(seen, made);
  });

  it('defaults to 50 items per page', async () => {
    const dave = await t.issuer.userToken('dave');
    for (let i = 0; i < 51; i++) await create(dave, { text: `d${i}` });
    const res = await t.app.inject({ url: '/api/todos', headers: bearer(dave) });
    assert.equal((JSON.parse(res.body) as Todo[]).length, 50);
    assert.match(String(res.headers.link), /limit=50&cursor=/);
  });

  it('refuses bad limits and cursors with 400', async () => {
    for (const query of [
      'limit=0',
      'limit=201',
      'limit=abc',
      'limit=-1',
      'limit=1.5',
      'cursor=%27%20OR%201%3D1',
      'cursor=AAAA',
      'other=1',
    ]) {
      assertProblem(await call('GET', `/api/todos?${query}`, alice), 400);
    }
  });
});
