/** Nothing a client sends produces a 5xx or loses data: every bad request is a 4xx problem. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Todo } from '../src/store/types.ts';
import { bearer, makeTestApp, type TestApp } from './helpers/app.ts';

let t: TestApp;
let alice: string;
let existing: Todo[];

before(async () => {
  t = await makeTestApp();
  alice = await t.issuer.userToken('alice');
  existing = [];
  for (const text of ['one', 'two', 'three']) {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/todos',
      headers: bearer(alice),
      payload: { text },
    });
    existing.push(JSON.parse(res.body) as Todo);
  }
});
after(() => t?.close());

interface Attempt {
  name: string;
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  url: string;
  body?: string;
  contentType?: string;
  status: number;
}

function problemOf(status: number, headers: Record<string, unknown>, body: string): Record<string, unknown> {
  assert.match(String(headers['content-type']), /^application\/problem\+json/, body.slice(0, 200));
  const parsed = JSON.parse(body) as Record<string, unknown>;
  assert.equal(parsed.status, status);
  for (const member of ['type', 'title', 'detail']) assert.equal(typeof parsed[member], 'string', member);
  return parsed;
}

const SQL_IDS = [
  "1' OR '1'='1",
  '1; DROP TABLE todos;--',
  "' UNION SELECT * FROM todos --",
  '%27%20OR%201%3D1--',
];
const PATH_IDS = [
  '%ZZ',
  '%',
  '%E0%A4%A',
  'a'.repeat(500),
  '..%2F..%2Fetc%2Fpasswd',
  '..',
  '%2e%2e',
  '....%2F%2F',
  '%00',
  'a%00b',
  '%2Fetc%2Fpasswd',
  'C:%5Cwindows',
];

function attempts(): Attempt[] {
  const id = existing[0]?.id ?? '';
  const json = 'application/json';
  const list: Attempt[] = [
    {
      name: 'malformed JSON (create)',
      method: 'POST',
      url: '/api/todos',
      body: '{"text": "x"',
      contentType: json,
      status: 400,
    },
    {
      name: 'malformed JSON (patch)',
      method: 'PATCH',
      url: `/api/todos/${id}`,
      body: '{text:}',
      contentType: json,
      status: 400,
    },
    { name: 'empty JSON body', method: 'POST', url: '/api/todos', body: '', contentType: json, status: 400 },
    {
      name: 'JSON array body',
      method: 'POST',
      url: '/api/todos',
      body: '[{"text":"x"}]',
      contentType: json,
      status: 400,
    },
    {
      name: 'JSON string body',
      method: 'POST',
      url: '/api/todos',
      body: '"text"',
      contentType: json,
      status: 400,
    },
    {
      name: 'number text',
      method: 'POST',
      url: '/api/todos',
      body: '{"text":123}',
      contentType: json,
      status: 400,
    },
    {
      name: 'empty text',
      method: 'POST',
      url: '/api/todos',
      body: '{"text":""}',
      contentType: json,
      status: 400,
    },
    {
      name: 'blank text',
      method: 'POST',
      url: '/api/todos',
      body: '{"text":"   "}',
      contentType: json,
      status: 400,
    },
    {
      name: 'text too long',
      method: 'POST',
      url: '/api/todos',
      body: JSON.stringify({ text: 'x'.repeat(1001) }),
      contentType: json,
      status: 400,
    },
    {
      name: 'string completed',
      method: 'POST',
      url: '/api/todos',
      body: '{"text":"x","completed":"true"}',
      contentType: json,
      status: 400,
    },
    {
      name: 'numeric completed',
      method: 'PATCH',
      url: `/api/todos/${id}`,
      body: '{"completed":1}',
      contentType: json,
      status: 400,
    },
    {
      name: 'bad dueDate',
      method: 'POST',
      url: '/api/todos',
      body: '{"text":"x","dueDate":"tomorrow"}',
      contentType: json,
      status: 400,
    },
    {
      name: 'impossible date',
      method: 'POST',
      url: '/api/todos',
      body: '{"text":"x","dueDate":"2025-02-30"}',
      contentType: json,
      status: 400,
    },
    {
      name: 'numeric dueDate',
      method: 'POST',
      url: '/api/todos',
      body: '{"text":"x","dueDate":20250101}',
      contentType: json,
      status: 400,
    },
    {
      name: 'unknown field (create)',
      method: 'POST',
      url: '/api/todos',
      body: '{"text":"x","admin":true}',
      contentType: json,
      status: 400,
    },
    {
      name: 'unknown field (patch)',
      method: 'PATCH',
      url: `/api/todos/${id}`,
      body: '{"text":"x","owner":"bob"}',
      contentType: json,
      status: 400,
    },
    {
      name: 'id in patch',
      method: 'PATCH',
      url: `/api/todos/${id}`,
      body: '{"id":"x"}',
      contentType: json,
      status: 400,
    },
    {
      name: 'empty patch',
      method: 'PATCH',
      url: `/api/todos/${id}`,
      body: '{}',
      contentType: json,
      status: 400,
    },
    {
      name: 'null patch',
      method: 'PATCH',
      url: `/api/todos/${id}`,
      body: 'null',
      contentType: json,
      status: 400,
    },
    {
      name: '__proto__',
      method: 'POST',
      url: '/api/todos',
      body: '{"text":"x","__proto__":{"admin":true}}',
      contentType: json,
      status: 400,
    },
    {
      name: 'constructor.prototype',
      method: 'POST',
      url: '/api/todos',
      body: '{"text":"x","constructor":{"prototype":{"a":1}}}',
      contentType: json,
      status: 400,
    },
    {
      name: 'form body',
      method: 'POST',
      url: '/api/todos',
      body: 'text=x',
      contentType: 'application/x-www-form-urlencoded',
      status: 415,
    },
    {
      name: 'text body',
      method: 'POST',
      url: '/api/todos',
      body: 'x',
      contentType: 'text/plain',
      status: 415,
    },
    {
      name: '2 MB body',
      method: 'POST',
      url: '/api/todos',
      body: JSON.stringify({ text: 'x'.repeat(2 * 1024 * 1024) }),
      contentType: json,
      status: 413,
    },
    {
      name: '2 MB patch',
      method: 'PATCH',
      url: `/api/todos/${id}`,
      body: JSON.stringify({ text: 'x'.repeat(2 * 1024 * 1024) }),
      contentType: json,
      status: 413,
    },
    { name: 'invalid cursor', method: 'GET', url: '/api/todos?cursor=not-a-cursor', status: 400 },
    { name: 'SQL cursor', method: 'GET', url: "/api/todos?cursor=' OR 1=1 --", status: 400 },
    { name: 'huge cursor', method: 'GET', url: `/api/todos?cursor=${'A'.repeat(5000)}`, status: 400 },
    { name: 'array limit', method: 'GET', url: '/api/todos?limit=1&limit=2', status: 400 },
    { name: 'unknown route', method: 'GET', url: '/api/todo', status: 404 },
    { name: 'bad percent-encoding elsewhere', method: 'GET', url: '/%ZZ', status: 400 },
    { name: 'unknown method', method: 'DELETE', url: '/api/todos', status: 404 },
  ];
  for (const bad of [...SQL_IDS, ...PATH_IDS]) {
    for (const method of ['GET', 'PATCH', 'DELETE'] as const) {
      list.push({
        name: `${method} id ${bad}`,
        method,
        url: `/api/todos/${bad}`,
        ...(method === 'PATCH' ? { body: '{"text":"pwned"}', contentType: json } : {}),
        status: 404,
      });
    }
  }
  return list;
}

describe('bad input never costs data', () => {
  it('answers every bad request with a 4xx problem body', async () => {
    for (const attempt of attempts()) {
      const res = await t.app.inject({
        method: attempt.method,
        url: attempt.url,
        headers: {
          ...bearer(alice),
          ...(attempt.contentType ? { 'content-type': attempt.contentType } : {}),
        },
        ...(attempt.body === undefined ? {} : { payload: attempt.body }),
      });
      assert.equal(res.statusCode, attempt.status, `${attempt.name}: ${res.body.slice(0, 300)}`);
      problemOf(attempt.status, res.headers, res.body);
    }
  });

  it('reports which field is wrong', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/todos',
      headers: bearer(alice),
      payload: { text: 'x', admin: true },
    });
    const body = problemOf(400, res.headers, res.body);
    assert.match(String(body.detail), /admin/);
  });

  it('left every earlier item intact and created nothing', async () => {
    const res = await t.app.inject({ url: '/api/todos?limit=200', headers: bearer(alice) });
    assert.deepEqual(JSON.parse(res.body), existing);
    const db = await t.store.list({ limit: 200 });
    assert.deepEqual(db.items, existing);
  });

  it('accepts application/merge-patch+json for PATCH', async () => {
    const id = existing[2]?.id;
    const res = await t.app.inject({
      method: 'PATCH',
      url: `/api/todos/${id}`,
      headers: { ...bearer(alice), 'content-type': 'application/merge-patch+json' },
      payload: '{"completed":true}',
    });
    assert.equal(res.statusCode, 200);
    existing[2] = JSON.parse(res.body) as Todo;
  });
});
