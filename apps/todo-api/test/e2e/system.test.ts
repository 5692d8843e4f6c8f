/**
 * End to end: `node scripts/start.ts` as `npm start` runs it, real tokens from the dev IdP's
 * endpoints (authorization code + PKCE, client credentials), real HTTP.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { tempDir } from 'gatehouse-test-support/temp';
import type { Todo } from '../../src/store/types.ts';
import { type Answer, type DevSystem, http, startDevSystem } from '../helpers/processes.ts';

const data = tempDir('todo-e2e-');
let system: DevSystem;
let alice: string;
let bob: string;
let daemon: string;

before(async () => {
  system = await startDevSystem(data.path);
  [alice, bob, daemon] = await Promise.all([
    system.userToken('alice'),
    system.userToken('bob'),
    system.appToken(),
  ]);
});
after(async () => {
  system?.process.killGroup();
  data.remove();
});

const todos = (path = '') => `${system.api}/api/todos${path}`;

function assertProblem(res: Answer, status: number): void {
  assert.equal(res.status, status, res.text);
  assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/);
  assert.equal((res.body as { status: number }).status, status);
}

async function create(token: string, json: Record<string, unknown>): Promise<Todo> {
  const res = await http('POST', todos(), { token, json });
  assert.equal(res.status, 201, res.text);
  return res.body as Todo;
}

describe('a user', () => {
  it('creates, reads, lists, updates and deletes own items', async () => {
    const res = await http('POST', todos(), {
      token: alice,
      json: { text: 'buy milk', dueDate: '2030-05-01' },
    });
    assert.equal(res.status, 201);
    const todo = res.body as Todo;
    assert.equal(res.headers.get('location'), `/api/todos/${todo.id}`);
    assert.equal(todo.text, 'buy milk');
    assert.equal(todo.completed, false);

    assert.deepEqual((await http('GET', todos(`/${todo.id}`), { token: alice })).body, todo);
    assert.ok(((await http('GET', todos(), { token: alice })).body as Todo[]).some((t) => t.id === todo.id));

    const patched = await http('PATCH', todos(`/${todo.id}`), { token: alice, json: { completed: true } });
    assert.equal(patched.status, 200);
    assert.equal((patched.body as Todo).completed, true);
    assert.equal((patched.body as Todo).text, 'buy milk');

    assert.equal((await http('DELETE', todos(`/${todo.id}`), { token: alice })).status, 204);
    assertProblem(await http('GET', todos(`/${todo.id}`), { token: alice }), 404);
  });
});

describe('ownership isolation between alice and bob', () => {
  it("refuses every operation on another user's item with 404 and leaves it unchanged", async () => {
    const item = await create(alice, { text: "alice's item" });
    assertProblem(await http('GET', todos(`/${item.id}`), { token: bob }), 404);
    assertProblem(
      await http('PATCH', todos(`/${item.id}`), { token: bob, json: { text: 'bob was here' } }),
      404,
    );
    assertProblem(await http('DELETE', todos(`/${item.id}`), { token: bob }), 404);
    const bobsList = (await http('GET', todos('?limit=200'), { token: bob })).body as Todo[];
    assert.ok(!bobsList.some((t) => t.id === item.id));
    assert.deepEqual((await http('GET', todos(`/${item.id}`), { token: alice })).body, item);
  });
});

describe('the daemon app', () => {
  it("sees everyone's items and must name the owner when creating", async () => {
    const a = await create(alice, { text: 'a' });
    const b = await create(bob, { text: 'b' });
    const all = (await http('GET', todos('?limit=200'), { token: daemon })).body as Todo[];
    const ids = new Set(all.map((t) => t.id));
    assert.ok(ids.has(a.id) && ids.has(b.id));
    assertProblem(await http('POST', todos(), { token: daemon, json: { text: 'ownerless' } }), 400);
    const forAlice = await create(daemon, { text: 'from the daemon', owner: a.owner });
    assert.deepEqual((await http('GET', todos(`/${forAlice.id}`), { token: alice })).body, forAlice);
  });
});

describe('scopes and tokens', () => {
  it('a read-only token cannot write: 403 insufficient_scope with a challenge', async () => {
    const reader = await system.userToken('alice', 'ToDoList.Read');
    assert.equal((await http('GET', todos(), { token: reader })).status, 200);
    const item = await create(alice, { text: 'read only' });
    for (const res of [
      await http('POST', todos(), { token: reader, json: { text: 'nope' } }),
      await http('PATCH', todos(`/${item.id}`), { token: reader, json: { text: 'nope' } }),
      await http('DELETE', todos(`/${item.id}`), { token: reader }),
    ]) {
      assertProblem(res, 403);
      const challenge = res.headers.get('www-authenticate') ?? '';
      assert.match(challenge, /^Bearer /);
      assert.match(challenge, /error="insufficient_scope"/);
      assert.match(challenge, /scope="[^"]*ToDoList\.ReadWrite/);
    }
    assert.deepEqual((await http('GET', todos(`/${item.id}`), { token: alice })).body, item);
  });

  it('no token or an invalid one: 401 with a challenge', async () => {
    const none = await http('GET', todos());
    assertProblem(none, 401);
    assert.match(none.headers.get('www-authenticate') ?? '', /^Bearer/);
    assert.doesNotMatch(none.headers.get('www-authenticate') ?? '', /error=/);
    for (const token of ['garbage', `${alice.slice(0, -4)}AAAA`, alice.split('.').slice(0, 2).join('.')]) {
      const res = await http('GET', todos(), { token });
      assertProblem(res, 401);
      assert.match(res.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
    }
  });
});

describe('pagination', () => {
  it('follows Link rel=next through every page', async () => {
    const carolToken = await system.userToken('bob');
    const before = ((await http('GET', todos('?limit=200'), { token: carolToken })).body as Todo[]).map(
      (t) => t.id,
    );
    const made: string[] = [];
    for (let i = 0; i < 5; i++) made.push((await create(carolToken, { text: `page ${i}` })).id);
    const seen: string[] = [];
    let next: string | null = `${system.api}/api/todos?limit=2`;
    while (next) {
      const res = await http('GET', next, { token: carolToken });
      assert.equal(res.status, 200);
      seen.push(...(res.body as Todo[]).map((t) => t.id));
      const link = res.headers.get('link');
      const target = link ? /<([^>]+)>;\s*rel="next"/.exec(link)?.[1] : undefined;
      next = target ? new URL(target, system.api).href : null;
    }
    assert.deepEqual(seen, [...before, ...made]);
  });
});

describe('bad input never costs data', () => {
  it('answers each with a 4xx problem body and keeps every earlier item', async () => {
    const kept = await create(alice, { text: 'precious' });
    const snapshot = (await http('GET', todos('?limit=200'), { token: alice })).body;
    const json = { 'content-type': 'application/json' };
    const attempts: [string, string, { body?: string; headers?: Record<string, string> }, number][] = [
      ['POST', todos(), { body: '{"text": ', headers: json }, 400],
      ['POST', todos(), { body: '{"text": 123}', headers: json }, 400],
      ['POST', todos(), { body: '{"text": "x", "isAdmin": true}', headers: json }, 400],
      ['PATCH', todos(`/${kept.id}`), { body: '{"completed": "yes"}', headers: json }, 400],
      ['PATCH', todos(`/${kept.id}`), { body: '{"owner": "bob"}', headers: json }, 400],
      ['GET', todos(`/${encodeURIComponent("1' OR '1'='1")}`), {}, 404],
      ['DELETE', todos(`/${encodeURIComponent("x'; DELETE FROM todos; --")}`), {}, 404],
      ['GET', todos('/..%2F..%2Fetc%2Fpasswd'), {}, 404],
      ['DELETE', todos('/%2e%2e'), {}, 404],
      ['GET', todos('?cursor=bm90LWEtY3Vyc29y'), {}, 400],
      ['GET', todos("?cursor=' OR 1=1"), {}, 400],
    ];
    for (const [method, url, options, status] of attempts) {
      const res = await http(method, url, { token: alice, ...options });
      assert.ok(res.status >= 400 && res.status < 500, `${method} ${url}: ${res.status}`);
      assert.equal(res.status, status, `${method} ${url}: ${res.text.slice(0, 200)}`);
      assertProblem(res, status);
    }
    // A body over the limit is refused from its declared length, before it is read; the server then
    // closes the connection, so a client still writing the body may see EPIPE instead of the
    // answer. Sending the headers alone makes that answer deterministic to read.
    const oversized = await headersOnly(todos(), alice, 2 * 1024 * 1024);
    assert.match(oversized, /^HTTP\/1\.1 413 /);
    assert.match(oversized, /content-type: application\/problem\+json/i);
    assert.match(oversized, /"status":413/);
    assert.deepEqual((await http('GET', todos('?limit=200'), { token: alice })).body, snapshot);
  });
});

/** A POST that declares `length` bytes of JSON and sends none of them; resolves with the raw answer. */
function headersOnly(url: string, token: string, length: number): Promise<string> {
  const { hostname, port, pathname } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => {
      socket.write(
        `POST ${pathname} HTTP/1.1\r\nhost: ${hostname}:${port}\r\nauthorization: Bearer ${token}\r\n` +
          `content-type: application/json\r\ncontent-length: ${length}\r\n\r\n`,
      );
    });
    let answer = '';
    socket.setEncoding('utf8');
    socket.setTimeout(10_000, () => socket.destroy(new Error('no answer within 10 s')));
    socket.on('data', (chunk: string) => {
      answer += chunk;
    });
    socket.on('close', () => resolve(answer));
    socket.on('error', reject);
  });
}

describe('service endpoints', () => {
  it('serve health, readiness, OpenAPI with the IdP endpoints, docs and RFC 9728 metadata', async () => {
    assert.equal((await http('GET', `${system.api}/health`)).status, 200);
    assert.equal((await http('GET', `${system.api}/ready`)).status, 200);
    const doc = (await http('GET', `${system.api}/openapi.json`)).body as {
      components: {
        securitySchemes: {
          oauth2: { flows: { authorizationCode: { authorizationUrl: string; tokenUrl: string } } };
        };
      };
    };
    const flow = doc.components.securitySchemes.oauth2.flows.authorizationCode;
    assert.ok(flow.authorizationUrl.startsWith(system.issuer));
    assert.ok(flow.tokenUrl.startsWith(system.issuer));
    assert.equal((await http('GET', `${system.api}/docs/`)).status, 200);
    const prm = (await http('GET', `${system.api}/.well-known/oauth-protected-resource`)).body as Record<
      string,
      unknown
    >;
    assert.equal(prm.resource, system.api);
    assert.deepEqual(prm.authorization_servers, [system.issuer]);
  });
});

describe('restart', () => {
  it('stops within 5 s on SIGTERM and keeps every item across a restart', async () => {
    const item = await create(alice, { text: 'survives a restart' });
    const before = (await http('GET', todos('?limit=200'), { token: daemon })).body;
    const took = await system.stop();
    assert.ok(took < 5000, `stopped in ${took} ms`);
    assert.equal(system.process.groupAlive(), false, 'the whole process group is gone');
    system = await startDevSystem(data.path, {}, system.port);
    // The dev IdP kept its keys, so tokens issued before the restart still verify.
    assert.deepEqual((await http('GET', todos(`/${item.id}`), { token: alice })).body, item);
    assert.deepEqual((await http('GET', todos('?limit=200'), { token: daemon })).body, before);
  });
});
