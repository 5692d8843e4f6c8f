/**
 * RFC 9470 step-up in the web app, against the real dev IdP (in this process) with the API faked
 * at the network edge: a delete the API refuses with `insufficient_user_authentication` sends the
 * browser to sign in again with the challenge's `acr_values` and `max_age`, and the new session
 * holds the stronger token.
 */
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { decodeJwt } from 'jose';
import { createSessionCodec, openSignIn, sealSignIn } from '../src/session.ts';
import { FORM, fakeApi, formBody, json, SECRET, setCookies, testApp, todo, WEB } from './helpers.ts';
import { signInAtIdp, startTestIdp } from './idp.ts';

const host = { host: 'localhost:3002' };
const CHALLENGE =
  'Bearer realm="api", error="insufficient_user_authentication", ' +
  'error_description="A different authentication level is required", acr_values="mfa", max_age="600"';

/** A session cookie of alice's from a real sign-in (`authorize` optional: a plain one by default). */
async function signedIn(app: FastifyInstance, authorize?: URL, signInCookie?: string) {
  let start = authorize;
  let cookie = signInCookie;
  if (!start) {
    const login = await app.inject({ url: '/auth/login', headers: host });
    start = new URL(login.headers.location as string);
    cookie = setCookies(login.headers).get('todo_web_sign_in')?.split(';')[0];
  }
  const callback = await signInAtIdp(start.href, 'alice', WEB);
  return app.inject({
    url: `${callback.pathname}${callback.search}`,
    headers: { ...host, cookie: cookie ?? '' },
  });
}

async function setup(t: TestContext) {
  const idp = await startTestIdp(t, { webPort: 3002 });
  const api = await fakeApi(t);
  const app = await testApp(t, { env: { AUTH_ISSUER: idp.issuer, TODO_API_URL: api.url } });
  const done = await signedIn(app);
  const cookie = setCookies(done.headers).get('todo_web_session')?.split(';')[0] ?? '';
  assert.ok(cookie);
  api.handle((_req, res) => json(res, 200, [todo('1', 'Buy milk')]));
  const page = await app.inject({ url: '/todos', headers: { ...host, cookie } });
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? '';
  assert.ok(csrf);
  const remove = (sessionCookie: string, fields: Record<string, string> = { _csrf: csrf }) =>
    app.inject({
      method: 'POST',
      url: '/todos/1/delete',
      headers: { ...host, ...FORM, origin: WEB, cookie: sessionCookie },
      payload: formBody(fields),
    });
  return { idp, api, app, cookie, csrf, remove };
}

describe('step-up sign-in', () => {
  it('a delete refused with insufficient_user_authentication signs in again with acr_values, max_age and prompt=login', async (t) => {
    const s = await setup(t);
    const before = s.api.requests.length;
    s.api.handle((req, res) =>
      req.method === 'DELETE'
        ? json(res, 401, { status: 401 }, { 'www-authenticate': CHALLENGE })
        : json(res, 200, [todo('1', 'Buy milk')]),
    );
    const refused = await s.remove(s.cookie);
    assert.equal(refused.statusCode, 303);
    const authorize = new URL(refused.headers.location as string);
    assert.equal(authorize.origin, new URL(s.idp.issuer).origin);
    assert.equal(authorize.searchParams.get('acr_values'), 'mfa');
    assert.equal(authorize.searchParams.get('max_age'), '600');
    assert.equal(authorize.searchParams.get('prompt'), 'login');
    assert.equal(authorize.searchParams.get('code_challenge_method'), 'S256');
    // One DELETE, no refresh-and-retry: a refreshed token records the same, too weak, sign-in.
    assert.deepEqual(
      s.api.requests.slice(before).map((r) => r.method),
      ['DELETE'],
    );
    const cookies = setCookies(refused.headers);
    assert.ok(!cookies.has('todo_web_session'), 'the session is kept until the new sign-in');
    const signInCookie = cookies.get('todo_web_sign_in')?.split(';')[0] ?? '';
    assert.ok(signInCookie);

    const done = await signedIn(s.app, authorize, `${signInCookie}; ${s.cookie}`);
    assert.equal(done.statusCode, 303);
    assert.equal(done.headers.location, '/todos?notice=stepped-up');
    const stronger = setCookies(done.headers).get('todo_web_session')?.split(';')[0] ?? '';
    assert.ok(stronger && stronger !== s.cookie);

    s.api.handle((req, res) =>
      req.method === 'DELETE' ? res.writeHead(204).end() : json(res, 200, [todo('1', 'Buy milk')]),
    );
    const page = await s.app.inject({
      url: '/todos?notice=stepped-up',
      headers: { ...host, cookie: stronger },
    });
    assert.equal(page.statusCode, 200);
    assert.match(
      page.body,
      /<p class="notice" role="status">You signed in again\. Please try that again\.<\/p>/,
    );
    const token = s.api.requests.at(-1)?.authorization?.slice('Bearer '.length) ?? '';
    const claims = decodeJwt(token);
    assert.equal(claims.acr, 'mfa', 'the session now holds the stronger token');
    assert.deepEqual(claims.amr, ['pwd', 'otp', 'mfa']);

    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? '';
    const retried = await s.remove(stronger, { _csrf: csrf });
    assert.equal(retried.statusCode, 303);
    assert.equal(retried.headers.location, '/todos');
    assert.equal(s.api.requests.at(-1)?.method, 'DELETE');

    // The replaced, weaker session is over, copies of its cookie included.
    const old = await s.app.inject({ url: '/todos', headers: { ...host, cookie: s.cookie } });
    assert.equal(old.statusCode, 303);
    assert.equal(old.headers.location, '/?notice=session-ended');
  });

  it('CSRF is still checked first: a forged delete reaches neither the API nor the IdP', async (t) => {
    const s = await setup(t);
    const before = s.api.requests.length;
    s.api.handle((_req, res) => json(res, 401, { status: 401 }, { 'www-authenticate': CHALLENGE }));
    const forged = await s.remove(s.cookie, { _csrf: 'not-the-token' });
    assert.equal(forged.statusCode, 403);
    assert.equal(forged.headers.location, undefined);
    assert.equal(s.api.requests.length, before);
  });

  it('a malformed challenge is a plain 401: the session ends, no sign-in with its values', async (t) => {
    const s = await setup(t);
    s.api.handle((_req, res) =>
      json(
        res,
        401,
        { status: 401 },
        {
          'www-authenticate': `${CHALLENGE}, acr_values="pwd"`, // a repeated parameter
        },
      ),
    );
    const refused = await s.remove(s.cookie);
    assert.equal(refused.statusCode, 303);
    assert.equal(refused.headers.location, '/?notice=session-ended');
  });

  it('shows only the fixed notice: anything else in ?notice= shows nothing', async (t) => {
    const s = await setup(t);
    s.api.handle((_req, res) => json(res, 200, []));
    for (const notice of ['%3Cscript%3Ex%3C%2Fscript%3E', 'toString', '__proto__']) {
      const page = await s.app.inject({
        url: `/todos?notice=${notice}`,
        headers: { ...host, cookie: s.cookie },
      });
      assert.equal(page.statusCode, 200);
      assert.doesNotMatch(page.body, /class="notice"/);
      assert.doesNotMatch(page.body, /<script>x/);
    }
  });
});

describe('the step-up sign-in cookie', () => {
  const codec = createSessionCodec([SECRET]);
  const base = { state: 's', nonce: 'n', codeVerifier: 'v' };

  it('keeps stepUp and max_age, for the callback to check auth_time against', async () => {
    const sealed = await sealSignIn(codec, { ...base, stepUp: true, maxAge: 600 }, 60);
    assert.deepEqual(await openSignIn(codec, sealed), { ...base, stepUp: true, maxAge: 600 });
    assert.deepEqual(await openSignIn(codec, await sealSignIn(codec, base, 60)), base);
  });

  it('refuses them malformed', async () => {
    for (const extra of [{ stepUp: 'yes' }, { maxAge: '600' }, { maxAge: -1 }, { maxAge: 1.5 }]) {
      const sealed = await codec.seal('sign-in', { ...base, ...extra }, 60);
      assert.equal(await openSignIn(codec, sealed), undefined, JSON.stringify(extra));
    }
  });
});
