/**
 * STEP_UP_ACR / STEP_UP_MAX_AGE (RFC 9470): deleting needs the configured sign-in for users, apps
 * are not asked for one, every other operation is unchanged, and without the settings nothing is.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../src/config.ts';
import { ConfigError } from '../src/config-error.ts';
import { bearer, makeTestApp, type TestApp } from './helpers/app.ts';

const base = { AUTH_ISSUER: 'http://127.0.0.1:9/', DATABASE_URL: 'sqlite::memory:' };

function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig({ ...base, ...env });
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error;
  }
  assert.fail('the configuration was accepted');
}

describe('STEP_UP_ACR and STEP_UP_MAX_AGE settings', () => {
  it('are off unless set, and read as acr values and seconds', () => {
    assert.equal(loadConfig(base).stepUp, undefined);
    assert.equal(loadConfig({ ...base, STEP_UP_ACR: ' ', STEP_UP_MAX_AGE: '' }).stepUp, undefined);
    assert.deepEqual(loadConfig({ ...base, STEP_UP_ACR: 'mfa' }).stepUp, { acr: ['mfa'] });
    assert.deepEqual(loadConfig({ ...base, STEP_UP_ACR: 'mfa, hwk', STEP_UP_MAX_AGE: '300' }).stepUp, {
      acr: ['mfa', 'hwk'],
      maxAge: 300,
    });
    assert.deepEqual(loadConfig({ ...base, STEP_UP_MAX_AGE: '0' }).stepUp, { maxAge: 0 });
  });

  it('refuse bad values with one line naming the variable', () => {
    for (const bad of ['m fa', 'mfa"', 'a\\b', ',', 'mfa,,"x"']) {
      const error = configError({ STEP_UP_ACR: bad });
      assert.equal(error.variable, 'STEP_UP_ACR');
      assert.match(error.message, /^STEP_UP_ACR must be comma-separated acr values/);
      assert.ok(!error.message.includes('\n'));
    }
    for (const bad of ['-1', '1.5', '5m', '9999999999', 'abc']) {
      const error = configError({ STEP_UP_MAX_AGE: bad });
      assert.equal(error.variable, 'STEP_UP_MAX_AGE');
      assert.match(error.message, /^STEP_UP_MAX_AGE must be a whole number of seconds/);
    }
  });
});

describe('deleting with STEP_UP_ACR=mfa and STEP_UP_MAX_AGE=600', () => {
  let t: TestApp;
  before(async () => {
    t = await makeTestApp({ STEP_UP_ACR: 'mfa', STEP_UP_MAX_AGE: '600' });
  });
  after(() => t?.close());

  const now = () => Math.floor(Date.now() / 1000);
  const user = (acr: string, authTime = now() - 30, scopes?: string) =>
    t.issuer.userToken('alice', scopes, { acr, auth_time: authTime });
  async function created(token: string): Promise<string> {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/todos',
      headers: bearer(token),
      payload: { text: 'sensitive', owner: 'alice' },
    });
    assert.equal(res.statusCode, 201, res.body);
    return (res.json() as { id: string }).id;
  }
  const remove = (id: string, token: string) =>
    t.app.inject({ method: 'DELETE', url: `/api/todos/${id}`, headers: bearer(token) });

  it('a password sign-in may read, create and change, but deleting is 401 naming acr_values and max_age', async () => {
    const pwd = await user('pwd');
    const id = await created(pwd);
    const patched = await t.app.inject({
      method: 'PATCH',
      url: `/api/todos/${id}`,
      headers: bearer(pwd),
      payload: { completed: true },
    });
    assert.equal(patched.statusCode, 200);
    const refused = await remove(id, pwd);
    assert.equal(refused.statusCode, 401);
    assert.equal(
      refused.headers['www-authenticate'],
      'Bearer realm="api", error="insufficient_user_authentication", ' +
        'error_description="A different authentication level is required", acr_values="mfa", max_age="600", ' +
        'resource_metadata="http://localhost:80/.well-known/oauth-protected-resource"',
    );
    const still = await t.app.inject({ method: 'GET', url: `/api/todos/${id}`, headers: bearer(pwd) });
    assert.equal(still.statusCode, 200, 'the item is still there');
  });

  it('an mfa sign-in that is too old is refused as well; a recent one deletes', async () => {
    const id = await created(await user('pwd'));
    const old = await remove(id, await user('mfa', now() - 3600));
    assert.equal(old.statusCode, 401);
    assert.match(
      String(old.headers['www-authenticate']),
      /error_description="More recent authentication is required"/,
    );
    const fresh = await remove(id, await user('mfa'));
    assert.equal(fresh.statusCode, 204);
    const gone = await t.app.inject({
      method: 'GET',
      url: `/api/todos/${id}`,
      headers: bearer(await user('mfa')),
    });
    assert.equal(gone.statusCode, 404);
  });

  it('a read-only mfa token is still 403 insufficient_scope: permission comes first', async () => {
    const id = await created(await user('pwd'));
    const res = await remove(id, await user('mfa', now(), 'ToDoList.Read'));
    assert.equal(res.statusCode, 403);
    assert.match(String(res.headers['www-authenticate']), /error="insufficient_scope"/);
  });

  it('an app (no user sign-in to step up) deletes without acr or auth_time', async () => {
    const id = await created(await user('pwd'));
    const res = await remove(id, await t.issuer.appToken());
    assert.equal(res.statusCode, 204);
  });
});

describe('deleting without the settings', () => {
  it('a password sign-in deletes as before', async () => {
    const t = await makeTestApp();
    try {
      const token = await t.issuer.userToken('alice', undefined, { acr: 'pwd' });
      const made = await t.app.inject({
        method: 'POST',
        url: '/api/todos',
        headers: bearer(token),
        payload: { text: 'plain' },
      });
      const id = (made.json() as { id: string }).id;
      const res = await t.app.inject({ method: 'DELETE', url: `/api/todos/${id}`, headers: bearer(token) });
      assert.equal(res.statusCode, 204);
    } finally {
      await t.close();
    }
  });
});

describe('STEP_UP_AUTH_CONTEXT=c1 (Microsoft Entra authentication context, claims challenge)', () => {
  let t: TestApp;
  before(async () => {
    t = await makeTestApp({ STEP_UP_AUTH_CONTEXT: 'c1' });
  });
  after(() => t?.close());

  async function created(token: string): Promise<string> {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/todos',
      headers: bearer(token),
      payload: { text: 'sensitive', owner: 'alice' },
    });
    assert.equal(res.statusCode, 201, res.body);
    return (res.json() as { id: string }).id;
  }
  const remove = (id: string, token: string) =>
    t.app.inject({ method: 'DELETE', url: `/api/todos/${id}`, headers: bearer(token) });

  it('refuses anything but c1..c99 with one line naming the variable', () => {
    assert.equal(loadConfig({ ...base, STEP_UP_AUTH_CONTEXT: 'c7' }).deleteAuthContext, 'c7');
    assert.equal(loadConfig(base).deleteAuthContext, undefined);
    for (const bad of ['c0', 'c100', 'C1', 'c1"', 'mfa']) {
      const error = configError({ STEP_UP_AUTH_CONTEXT: bad });
      assert.equal(error.variable, 'STEP_UP_AUTH_CONTEXT');
      assert.match(error.message, /^STEP_UP_AUTH_CONTEXT must be an Entra authentication context id/);
    }
  });

  it('a CAE-capable client (xms_cc cp1) without c1 gets 401 insufficient_claims asking for it', async () => {
    const token = await t.issuer.userToken('alice', undefined, { xms_cc: ['cp1'] });
    const res = await remove(await created(token), token);
    assert.equal(res.statusCode, 401, res.body);
    const claims = Buffer.from('{"access_token":{"acrs":{"essential":true,"value":"c1"}}}').toString(
      'base64',
    );
    assert.match(
      String(res.headers['www-authenticate']),
      // The API's challenges also name its RFC 9728 metadata document.
      new RegExp(
        `^Bearer realm="[^"]*", error="insufficient_claims", claims="${claims}", resource_metadata="[^"]+"$`,
      ),
    );
  });

  it('a client without cp1 gets a plain 403; a token with acrs c1 deletes; apps are not asked', async () => {
    const plain = await t.issuer.userToken('alice');
    const id = await created(plain);
    const refused = await remove(id, plain);
    assert.equal(refused.statusCode, 403, refused.body);
    assert.doesNotMatch(String(refused.headers['www-authenticate']), /insufficient_claims/);
    const stepped = await t.issuer.userToken('alice', undefined, { xms_cc: ['cp1'], acrs: ['c1'] });
    assert.equal((await remove(id, stepped)).statusCode, 204);
    const appId = await created(await t.issuer.userToken('alice', undefined, { acrs: ['c1'] }));
    assert.equal((await remove(appId, await t.issuer.appToken())).statusCode, 204);
  });
});
