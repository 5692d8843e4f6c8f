/** The app through inject(): pages, headers, CSRF, escaping and every API answer, with the API faked at the network edge. */
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { describe, it, type TestContext } from 'node:test';
import { freePort } from 'gatehouse-test-support/ports';
import {
  CSRF,
  type FakeHandler,
  FORM,
  fakeApi,
  formBody,
  json,
  session,
  sessionCookie,
  setCookies,
  testApp,
  todo,
  WEB,
} from './helpers.ts';

const host = { host: 'localhost:3002' };

describe('pages and headers', () => {
  it('shows the landing page with strict security headers', async (t) => {
    const app = await testApp(t);
    const res = await app.inject({ url: '/', headers: host });
    assert.equal(res.statusCode, 200);
    assert.match(res.headers['content-type'] as string, /^text\/html; charset=utf-8/);
    assert.match(res.body, /<button type="submit">Sign in<\/button>/);
    const csp = res.headers['content-security-policy'] as string;
    assert.match(csp, /default-src 'self'/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.match(csp, /form-action 'self' http:\/\/127\.0\.0\.1:9/);
    assert.doesNotMatch(csp, /unsafe/);
    assert.equal(res.headers['x-frame-options'], 'DENY');
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
    assert.equal(res.headers['referrer-policy'], 'same-origin');
    assert.equal(res.headers['cache-control'], 'no-store');
    const css = await app.inject({ url: '/static/app.css', headers: host });
    assert.match(css.headers['content-type'] as string, /^text\/css/);
    assert.match(css.body, /:focus-visible/);
  });

  it('moves GETs from the other loopback name to the base URL, and only those', async (t) => {
    const app = await testApp(t);
    const moved = await app.inject({ url: '/todos?x=1', headers: { host: '127.0.0.1:3002' } });
    assert.equal(moved.statusCode, 308);
    assert.equal(moved.headers.location, `${WEB}/todos?x=1`);
    const foreign = await app.inject({ url: '/', headers: { host: 'evil.example:3002' } });
    assert.equal(foreign.statusCode, 200);
  });

  it('answers unknown paths and foreign content types with pages, not JSON', async (t) => {
    const app = await testApp(t);
    const missing = await app.inject({ url: '/nope', headers: host });
    assert.equal(missing.statusCode, 404);
    assert.match(missing.body, /Page not found/);
    const jsonPost = await app.inject({
      method: 'POST',
      url: '/todos',
      headers: { ...host, 'content-type': 'application/json', cookie: await sessionCookie() },
      payload: JSON.stringify({ _csrf: CSRF, text: 'x' }),
    });
    assert.equal(jsonPost.statusCode, 415);
    assert.match(jsonPost.headers['content-type'] as string, /^text\/html/);
  });
});

describe('session cookie', () => {
  it('sends visitors without a valid session to the landing page and drops a tampered cookie', async (t) => {
    const app = await testApp(t);
    const none = await app.inject({ url: '/todos', headers: host });
    assert.equal(none.statusCode, 303);
    assert.equal(none.headers.location, '/');
    const cookie = await sessionCookie();
    const tampered = `${cookie.slice(0, -6)}AAAAAA`;
    const res = await app.inject({ url: '/todos', headers: { ...host, cookie: tampered } });
    assert.equal(res.statusCode, 303);
    assert.match(setCookies(res.headers).get('todo_web_session') ?? '', /Max-Age=0/);
  });
});

describe('to-do list', () => {
  it('calls the API with the bearer token and shows the items as text', async (t) => {
    const api = await fakeApi(t);
    api.handle((_req, res) =>
      json(res, 200, [todo('1', '<script>alert(1)</script>'), todo('2', 'Done thing', { completed: true })]),
    );
    const app = await testApp(t, { env: { TODO_API_URL: api.url } });
    const res = await app.inject({ url: '/todos', headers: { ...host, cookie: await sessionCookie() } });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(
      api.requests.map((r) => [r.method, r.url, r.authorization]),
      [['GET', '/api/todos?limit=200', 'Bearer access-token-alice']],
    );
    assert.ok(res.body.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
    assert.ok(!res.body.includes('<script>'));
    assert.match(res.body, /Signed in as <strong>Alice Example<\/strong>/);
    assert.match(res.body, /<h2 id="done-heading">Done/);
    assert.ok(!res.body.includes('access-token-alice') && !res.body.includes('refresh-token-alice'));
    assert.equal(res.headers['cache-control'], 'no-store');
  });

  it('adds, completes and deletes with POST/redirect/GET', async (t) => {
    const api = await fakeApi(t);
    api.handle((req, res) =>
      req.method === 'DELETE' ? res.writeHead(204).end() : json(res, 201, todo('9', 'x')),
    );
    const app = await testApp(t, { env: { TODO_API_URL: api.url } });
    const headers = { ...host, ...FORM, origin: WEB, cookie: await sessionCookie() };
    const posts = [
      ['/todos', { text: '  Buy milk ', dueDate: '2025-02-01' }],
      ['/todos/abc%2F1/complete', {}],
      ['/todos/abc/delete', {}],
    ] as const;
    for (const [url, fields] of posts) {
      const res = await app.inject({
        method: 'POST',
        url,
        headers,
        payload: formBody({ ...fields, _csrf: CSRF }),
      });
      assert.equal(res.statusCode, 303, url);
      assert.equal(res.headers.location, '/todos');
    }
    assert.deepEqual(
      api.requests.map((r) => [r.method, r.url, r.body]),
      [
        ['POST', '/api/todos', '{"text":"Buy milk","dueDate":"2025-02-01"}'],
        ['PATCH', '/api/todos/abc%2F1', '{"completed":true}'],
        ['DELETE', '/api/todos/abc', ''],
      ],
    );
  });

  it('re-renders the form with a message when the input or the API refuses it', async (t) => {
    const api = await fakeApi(t);
    api.handle((req, res) =>
      req.method === 'POST'
        ? json(res, 400, {
            type: 'about:blank',
            title: 'Bad Request',
            status: 400,
            detail: 'text is too long',
          })
        : json(res, 200, []),
    );
    const app = await testApp(t, { env: { TODO_API_URL: api.url } });
    const headers = { ...host, ...FORM, cookie: await sessionCookie() };
    const empty = await app.inject({
      method: 'POST',
      url: '/todos',
      headers,
      payload: formBody({ text: '   ', dueDate: '', _csrf: CSRF }),
    });
    assert.equal(empty.statusCode, 400);
    assert.match(empty.body, /role="alert" id="add-error">Write what needs doing\./);
    const badDate = await app.inject({
      method: 'POST',
      url: '/todos',
      headers,
      payload: formBody({ text: 'x', dueDate: '2025-02-30', _csrf: CSRF }),
    });
    assert.match(badDate.body, /calendar date/);
    assert.equal(api.requests.filter((r) => r.method === 'POST').length, 0);
    const refused = await app.inject({
      method: 'POST',
      url: '/todos',
      headers,
      payload: formBody({ text: '<b>x</b>', _csrf: CSRF }),
    });
    assert.equal(refused.statusCode, 400);
    assert.match(refused.body, /The to-do service refused it: text is too long/);
    assert.match(refused.body, /value="&lt;b&gt;x&lt;\/b&gt;"/);
  });
});

describe('CSRF', () => {
  it('refuses a form without the token, with a wrong one, from another origin, or without a session', async (t) => {
    const api = await fakeApi(t);
    const app = await testApp(t, { env: { TODO_API_URL: api.url } });
    const cookie = await sessionCookie();
    const cases: Array<[string, Record<string, string>, Record<string, string>]> = [
      ['no token', { cookie }, { text: 'x' }],
      ['wrong token', { cookie }, { text: 'x', _csrf: `${CSRF.slice(0, -1)}x` }],
      ['other origin', { cookie, origin: 'http://localhost:3001' }, { text: 'x', _csrf: CSRF }],
      ['opaque origin', { cookie, origin: 'null' }, { text: 'x', _csrf: CSRF }],
      ['cross-site fetch', { cookie, 'sec-fetch-site': 'cross-site' }, { text: 'x', _csrf: CSRF }],
      ['no session', {}, { text: 'x', _csrf: CSRF }],
    ];
    for (const [name, headers, fields] of cases) {
      for (const url of ['/todos', '/todos/1/complete', '/todos/1/delete']) {
        const res = await app.inject({
          method: 'POST',
          url,
          headers: { ...host, ...FORM, ...headers },
          payload: formBody(fields),
        });
        assert.equal(res.statusCode, 403, `${name} ${url}`);
        assert.match(res.body, /This form could not be accepted/);
      }
    }
    assert.equal(api.requests.length, 0, 'nothing reached the API');
  });

  it('guards sign-out too', async (t) => {
    const app = await testApp(t);
    const cookie = await sessionCookie();
    const forged = await app.inject({
      method: 'POST',
      url: '/auth/logout',
      headers: { ...host, ...FORM, cookie },
    });
    assert.equal(forged.statusCode, 403);
    const res = await app.inject({
      method: 'POST',
      url: '/auth/logout',
      headers: { ...host, ...FORM, cookie, origin: WEB },
      payload: formBody({ _csrf: CSRF }),
    });
    assert.equal(res.statusCode, 303);
    // The provider is unreachable here, so no end-session redirect: straight to the landing page.
    assert.equal(res.headers.location, '/?notice=signed-out');
    assert.match(setCookies(res.headers).get('todo_web_session') ?? '', /Max-Age=0/);
  });
});

describe('when the API refuses or is down', () => {
  async function listWith(t: TestContext, answer: FakeHandler) {
    const api = await fakeApi(t);
    api.handle(answer);
    const app = await testApp(t, { env: { TODO_API_URL: api.url } });
    return app.inject({ url: '/todos', headers: { ...host, cookie: await sessionCookie() } });
  }

  it('shows the permission page for 403', async (t) => {
    const res = await listWith(t, (_req, res) =>
      res
        .writeHead(403, { 'www-authenticate': 'Bearer error="insufficient_scope", scope="ToDoList.Read"' })
        .end(),
    );
    assert.equal(res.statusCode, 403);
    assert.match(res.body, /You don&#39;t have permission to do that/);
  });

  it('shows the unavailable page for 5xx, 429 and answers that are not the API', async (t) => {
    for (const answer of [
      (_req: unknown, res: ServerResponse) => json(res, 500, { detail: 'boom at /src/x.ts:1' }),
      (_req: unknown, res: ServerResponse) => json(res, 429, {}),
      (_req: unknown, res: ServerResponse) => res.writeHead(200).end('<html>proxy</html>'),
      (_req: unknown, res: ServerResponse) => json(res, 200, { not: 'a list' }),
    ]) {
      const res = await listWith(t, answer);
      assert.equal(res.statusCode, 503);
      assert.match(res.body, /The to-do service is unavailable/);
      assert.ok(!res.body.includes('boom'));
    }
  });

  it('shows the unavailable page when nothing listens', async (t) => {
    const port = await freePort();
    const app = await testApp(t, { env: { TODO_API_URL: `http://127.0.0.1:${port}` } });
    const res = await app.inject({ url: '/todos', headers: { ...host, cookie: await sessionCookie() } });
    assert.equal(res.statusCode, 503);
    assert.match(res.body, /The to-do service is unavailable/);
    assert.match(res.body, /href="\/todos">Try again/);
    assert.doesNotMatch(res.body, /ECONNREFUSED|fetch failed|\bat \w+ \(/);
  });

  it('shows a not-found page for an item that is gone', async (t) => {
    const api = await fakeApi(t);
    api.handle((_req, res) => json(res, 404, { detail: 'no such item' }));
    const app = await testApp(t, { env: { TODO_API_URL: api.url } });
    const res = await app.inject({
      method: 'POST',
      url: '/todos/x/complete',
      headers: { ...host, ...FORM, cookie: await sessionCookie() },
      payload: formBody({ _csrf: CSRF }),
    });
    assert.equal(res.statusCode, 404);
    assert.match(res.body, /That to-do no longer exists/);
  });

  it('ends a session the API no longer accepts and that cannot be refreshed', async (t) => {
    const api = await fakeApi(t);
    api.handle((_req, res) =>
      res.writeHead(401, { 'www-authenticate': 'Bearer error="invalid_token"' }).end(),
    );
    const app = await testApp(t, { env: { TODO_API_URL: api.url } });
    const cookie = await sessionCookie(session({ refreshToken: undefined }));
    const res = await app.inject({ url: '/todos', headers: { ...host, cookie } });
    assert.equal(res.statusCode, 303);
    assert.equal(res.headers.location, '/?notice=session-ended');
    assert.match(setCookies(res.headers).get('todo_web_session') ?? '', /Max-Age=0/);
    const landing = await app.inject({ url: '/?notice=session-ended', headers: host });
    assert.match(landing.body, /Your session has ended/);
  });
});

describe('sign-in endpoints', () => {
  it('explain an unreachable provider and an expired sign-in', async (t) => {
    const app = await testApp(t);
    const login = await app.inject({ url: '/auth/login', headers: host });
    assert.equal(login.statusCode, 503);
    assert.match(login.body, /The sign-in service is unavailable/);
    const callback = await app.inject({ url: '/auth/callback?code=x&state=y', headers: host });
    assert.equal(callback.statusCode, 400);
    assert.match(callback.body, /This sign-in has expired/);
    const landing = await app.inject({ url: '/?notice=<script>', headers: host });
    assert.ok(!landing.body.includes('<script>') && !landing.body.includes('class="notice"'));
  });
});
