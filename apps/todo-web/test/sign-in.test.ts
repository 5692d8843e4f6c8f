/**
 * Sign-in, refresh and sign-out against the real dev IdP (in this process), the app through
 * inject(), and the API faked at the network edge so that the tokens it receives can be checked.
 */
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';
import { CSRF_FIELD } from '../src/csrf.ts';
import { createSessionCodec, openSession } from '../src/session.ts';
import {
  FORM,
  fakeApi,
  formBody,
  json,
  SECRET,
  session,
  sessionCookie,
  setCookies,
  testApp,
  todo,
  WEB,
} from './helpers.ts';
import { signInAtIdp, startTestIdp } from './idp.ts';

const host = { host: 'localhost:3002' };

interface Setup {
  app: FastifyInstance;
  issuer: string;
  api: Awaited<ReturnType<typeof fakeApi>>;
  clock: { now: number };
}

async function setup(t: TestContext, env: Record<string, string> = {}): Promise<Setup> {
  const idp = await startTestIdp(t, { webPort: 3002 });
  const api = await fakeApi(t);
  api.handle((_req, res) => json(res, 200, [todo('1', 'Buy milk')]));
  const clock = { now: Date.now() };
  const app = await testApp(t, {
    env: { AUTH_ISSUER: idp.issuer, TODO_API_URL: api.url, ...env },
    now: () => clock.now,
  });
  return { app, issuer: idp.issuer, api, clock };
}

/** The whole sign-in; returns the session cookie (`name=value`) and the callback URL used. */
async function signIn(setupResult: Setup, user: string) {
  const { app } = setupResult;
  const login = await app.inject({ url: '/auth/login', headers: host });
  assert.equal(login.statusCode, 303);
  const signInCookie = setCookies(login.headers).get('todo_web_sign_in') ?? '';
  assert.match(signInCookie, /HttpOnly/);
  assert.match(signInCookie, /SameSite=Lax/);
  const authorize = new URL(login.headers.location as string);
  const callback = await signInAtIdp(authorize.href, user, WEB);
  return { authorize, callback, signInCookie: signInCookie.split(';')[0] ?? '' };
}

async function finish(app: FastifyInstance, callback: URL, signInCookie: string) {
  return app.inject({
    url: `${callback.pathname}${callback.search}`,
    headers: { ...host, cookie: signInCookie },
  });
}

describe('sign-in with the dev IdP', () => {
  it('uses code + PKCE with state and nonce, and keeps only ciphertext in an HttpOnly cookie', async (t) => {
    const s = await setup(t);
    const { authorize, callback, signInCookie } = await signIn(s, 'alice');
    const params = authorize.searchParams;
    assert.equal(params.get('response_type'), 'code');
    assert.equal(params.get('client_id'), 'todo-web');
    assert.equal(params.get('redirect_uri'), `${WEB}/auth/callback`);
    assert.equal(params.get('code_challenge_method'), 'S256');
    assert.match(params.get('code_challenge') ?? '', /^[A-Za-z0-9_-]{43}$/);
    assert.ok(params.get('state') && params.get('nonce'));
    assert.match(params.get('scope') ?? '', /openid .*api:\/\/todo\/ToDoList\.ReadWrite/);
    assert.ok(!signInCookie.includes(params.get('state') ?? '-'), 'state is sealed, not in clear');

    const done = await finish(s.app, callback, signInCookie);
    assert.equal(done.statusCode, 303);
    assert.equal(done.headers.location, '/todos');
    const cookies = setCookies(done.headers);
    assert.match(cookies.get('todo_web_sign_in') ?? '', /Max-Age=0/, 'one use only');
    const line = cookies.get('todo_web_session') ?? '';
    assert.match(line, /HttpOnly/);
    assert.match(line, /SameSite=Lax/);
    assert.match(line, /Path=\//);
    assert.doesNotMatch(line, /Secure/, 'plain http on localhost');
    const sessionCookie = line.split(';')[0] ?? '';
    assert.ok(sessionCookie.length < 4000, `${sessionCookie.length} characters`);
    assert.ok(!sessionCookie.includes('eyJhbGciOiJSUzI1NiI'), 'no JWT in clear');

    const list = await s.app.inject({ url: '/todos', headers: { ...host, cookie: sessionCookie } });
    assert.equal(list.statusCode, 200);
    assert.match(list.body, /Signed in as <strong>Alice Example<\/strong>/);
    const token = s.api.requests[0]?.authorization?.replace(/^Bearer /, '') ?? '';
    const jwks = createRemoteJWKSet(new URL(`${s.issuer}/jwks`));
    const { payload } = await jwtVerify(token, jwks, { issuer: s.issuer, audience: 'api://todo' });
    assert.equal(payload.scp, 'ToDoList.Read ToDoList.ReadWrite');
    assert.ok(!list.body.includes(token) && !sessionCookie.includes(token));
  });

  it('refuses a callback whose state does not match, or that was cancelled', async (t) => {
    const s = await setup(t);
    const first = await signIn(s, 'alice');
    const forged = new URL(first.callback);
    forged.searchParams.set('state', 'forged');
    const refused = await finish(s.app, forged, first.signInCookie);
    assert.equal(refused.statusCode, 400);
    assert.match(refused.body, /Sign-in didn&#39;t complete/);
    assert.equal(setCookies(refused.headers).has('todo_web_session'), false);

    // The code is bound to the first sign-in's PKCE verifier: another sign-in cookie cannot redeem it.
    const second = await signIn(s, 'alice');
    const swapped = new URL(first.callback);
    swapped.searchParams.set('state', second.authorize.searchParams.get('state') ?? '');
    assert.equal((await finish(s.app, swapped, second.signInCookie)).statusCode, 400);

    const third = await signIn(s, 'alice');
    const cancelled = new URL(`${WEB}/auth/callback`);
    cancelled.searchParams.set('error', 'access_denied');
    cancelled.searchParams.set('state', third.authorize.searchParams.get('state') ?? '');
    cancelled.searchParams.set('iss', s.issuer);
    const page = await finish(s.app, cancelled, third.signInCookie);
    assert.equal(page.statusCode, 400);
    assert.match(page.body, /Sign-in was cancelled/);
  });

  it('refreshes the access token near expiry and stores the new one', async (t) => {
    const s = await setup(t);
    const { callback, signInCookie } = await signIn(s, 'alice');
    const done = await finish(s.app, callback, signInCookie);
    const first = setCookies(done.headers).get('todo_web_session')?.split(';')[0] ?? '';

    await s.app.inject({ url: '/todos', headers: { ...host, cookie: first } });
    s.clock.now += 3560_000; // 40 s before the hour-long access token expires
    const [a, b] = await Promise.all([
      s.app.inject({ url: '/todos', headers: { ...host, cookie: first } }),
      s.app.inject({ url: '/todos', headers: { ...host, cookie: first } }),
    ]);
    assert.equal(a.statusCode, 200);
    assert.equal(b.statusCode, 200);
    const tokens = s.api.requests.map((r) => r.authorization ?? '');
    assert.notEqual(tokens[1], tokens[0], 'a new access token');
    assert.equal(tokens[2], tokens[1], 'concurrent requests share one refresh (rotation-safe)');
    const second = setCookies(a.headers).get('todo_web_session')?.split(';')[0] ?? '';
    assert.ok(second && second !== first, 'the session cookie carries the new tokens');
    assert.ok(decodeJwt(tokens[1]?.slice(7) ?? '').exp);

    // With the new cookie no refresh is needed.
    await s.app.inject({ url: '/todos', headers: { ...host, cookie: second } });
    assert.equal(s.api.requests[3]?.authorization, tokens[1]);
  });

  it('ends the session when the provider refuses the refresh token', async (t) => {
    const s = await setup(t);
    const cookie = await sessionCookie(
      session({ expiresAt: Math.floor(Date.now() / 1000) - 10, refreshToken: 'bogus' }),
    );
    const res = await s.app.inject({ url: '/todos', headers: { ...host, cookie } });
    assert.equal(res.statusCode, 303);
    assert.equal(res.headers.location, '/?notice=session-ended');
    assert.equal(s.api.requests.length, 0);
  });

  it('signs out through the end-session endpoint and revokes the refresh token', async (t) => {
    const s = await setup(t);
    const { callback, signInCookie } = await signIn(s, 'alice');
    const done = await finish(s.app, callback, signInCookie);
    const cookie = setCookies(done.headers).get('todo_web_session')?.split(';')[0] ?? '';
    const page = await s.app.inject({ url: '/todos', headers: { ...host, cookie } });
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? '';
    assert.equal(CSRF_FIELD, '_csrf');

    const out = await s.app.inject({
      method: 'POST',
      url: '/auth/logout',
      headers: { ...host, ...FORM, cookie, origin: WEB },
      payload: formBody({ _csrf: csrf }),
    });
    assert.equal(out.statusCode, 303);
    const end = new URL(out.headers.location as string);
    assert.equal(`${end.origin}${end.pathname}`, `${s.issuer}/session/end`);
    assert.equal(end.searchParams.get('client_id'), 'todo-web');
    assert.equal(end.searchParams.get('post_logout_redirect_uri'), `${WEB}/`);
    assert.match(setCookies(out.headers).get('todo_web_session') ?? '', /Max-Age=0/);
    // The provider accepts the request (no error page: it goes on to confirm the sign-out).
    const confirm = await fetch(end);
    assert.equal(confirm.status, 200);
    assert.match(await confirm.text(), /session\/end\/confirm/);

    // The old cookie, replayed after the hour, cannot be refreshed: the refresh token was revoked.
    s.clock.now += 3590_000;
    const replay = await s.app.inject({ url: '/todos', headers: { ...host, cookie } });
    assert.equal(replay.headers.location, '/?notice=session-ended');
  });

  it('a session cookie copied before sign-out is refused right after it: no page, no to-do posted', async (t) => {
    const s = await setup(t);
    const { callback, signInCookie } = await signIn(s, 'alice');
    const done = await finish(s.app, callback, signInCookie);
    const copied = setCookies(done.headers).get('todo_web_session')?.split(';')[0] ?? '';
    const page = await s.app.inject({ url: '/todos', headers: { ...host, cookie: copied } });
    assert.equal(page.statusCode, 200);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? '';
    const out = await s.app.inject({
      method: 'POST',
      url: '/auth/logout',
      headers: { ...host, ...FORM, cookie: copied, origin: WEB },
      payload: formBody({ _csrf: csrf }),
    });
    assert.equal(out.statusCode, 303);
    const before = s.api.requests.length;

    // Same instant, access token still valid for an hour: only the server-side record stops it.
    const replay = await s.app.inject({ url: '/todos', headers: { ...host, cookie: copied } });
    assert.equal(replay.statusCode, 303);
    assert.equal(replay.headers.location, '/?notice=session-ended');
    assert.match(setCookies(replay.headers).get('todo_web_session') ?? '', /Max-Age=0/);
    const post = await s.app.inject({
      method: 'POST',
      url: '/todos',
      headers: { ...host, ...FORM, cookie: copied, origin: WEB },
      payload: formBody({ _csrf: csrf, text: 'Written with a stolen cookie', dueDate: '' }),
    });
    assert.equal(post.statusCode, 303);
    assert.equal(post.headers.location, '/?notice=session-ended');
    assert.equal(s.api.requests.length, before, 'the API was not called with the ended session');
  });

  it('sign-out also revokes the refresh token at the IdP: it is refused there, a live session’s is not', async (t) => {
    const s = await setup(t);
    const codec = createSessionCodec([SECRET]);
    const sessions = [];
    for (const user of ['alice', 'alice']) {
      const { callback, signInCookie } = await signIn(s, user);
      const done = await finish(s.app, callback, signInCookie);
      const cookie = setCookies(done.headers).get('todo_web_session')?.split(';')[0] ?? '';
      const opened = await openSession(codec, cookie.slice(cookie.indexOf('=') + 1));
      assert.ok(opened?.refreshToken, 'the session holds a refresh token');
      sessions.push({ cookie, refreshToken: opened.refreshToken });
    }
    const [signedOut, live] = sessions as [(typeof sessions)[0], (typeof sessions)[0]];
    const page = await s.app.inject({ url: '/todos', headers: { ...host, cookie: signedOut.cookie } });
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? '';
    const out = await s.app.inject({
      method: 'POST',
      url: '/auth/logout',
      headers: { ...host, ...FORM, cookie: signedOut.cookie, origin: WEB },
      payload: formBody({ _csrf: csrf }),
    });
    assert.equal(out.statusCode, 303);

    const { token_endpoint } = (await (
      await fetch(`${s.issuer}/.well-known/openid-configuration`)
    ).json()) as { token_endpoint: string };
    const refresh = (refreshToken: string) =>
      fetch(token_endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'refresh_token',
          refresh_token: refreshToken,
          client_id: 'todo-web',
        }),
      });
    const refused = await refresh(signedOut.refreshToken);
    assert.equal(refused.status, 400);
    assert.equal(((await refused.json()) as { error: string }).error, 'invalid_grant');
    assert.equal((await refresh(live.refreshToken)).status, 200, 'the same request works for a live session');
  });
});
