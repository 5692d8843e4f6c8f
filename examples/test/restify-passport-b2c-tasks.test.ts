import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { b2cQueryMetadataUrl, DEV_B2C, DEV_USERS, type DevIdp, getUserToken } from 'gatehouse-dev-idp';
import {
  assertSafeUnavailable,
  call,
  type RunningServer,
  startIdp,
  startServer,
  tempDir,
  unreachableMetadataUrl,
} from './helpers.ts';

const [signUpSignIn, mfa] = DEV_B2C.policies;
const alice = DEV_USERS.find((user) => user.username === 'alice')!;
const bob = DEV_USERS.find((user) => user.username === 'bob')!;

interface Task {
  _id: string;
  owner: string;
  Text: string;
  completed: boolean;
  date: string;
}

describe('Azure AD B2C tutorial’s tasks API on Restify + passport, Gatehouse’s BearerStrategy, B2C', () => {
  let idp: DevIdp;
  let env: Record<string, string>;
  let aliceToken: string;
  let bobToken: string;
  // Started together: one for most tests, a fresh one for exact counts, one with the tutorial's throttle.
  let api: RunningServer;
  let fresh: RunningServer;
  let throttled: RunningServer;

  before(async () => {
    idp = await startIdp('b2c');
    env = {
      IDENTITY_METADATA: idp.metadataUrl,
      CLIENT_ID: DEV_B2C.apiClientId,
      POLICY_NAME: signUpSignIn!,
      TENANT_NAME: `${DEV_B2C.tenantName}.onmicrosoft.com`,
      // The tutorial throttles to 5 requests a second per IP; these tests send more from one IP.
      THROTTLE_RATE: '10000',
      THROTTLE_BURST: '10000',
    };
    const tokenOf = async (user: string) =>
      (await getUserToken({ metadataUrl: idp.metadataUrl, user })).accessToken;
    const { THROTTLE_RATE: _rate, THROTTLE_BURST: _burst, ...tutorialDefaults } = env;
    [aliceToken, bobToken, api, fresh, throttled] = await Promise.all([
      tokenOf('alice'),
      tokenOf('bob'),
      server(),
      server(),
      startServer('restify-passport-b2c-tasks', tutorialDefaults),
    ]);
  });

  async function server(): Promise<RunningServer> {
    return startServer('restify-passport-b2c-tasks', {
      ...env,
      DATABASE: join(await tempDir('tasks-'), 'tasks.db'),
    });
  }

  it('answers 401 with a Bearer challenge without a token (the tutorial’s curl), or with a bad one', async () => {
    const none = await call(`${api.url}/api/tasks/brandon/Hello`, { method: 'POST' });
    assert.equal(none.status, 401);
    assert.equal(none.headers.get('www-authenticate'), 'Bearer realm="api"');
    const bad = await call(`${api.url}/api/tasks`, { token: `${aliceToken}x` });
    assert.equal(bad.status, 401);
    assert.match(bad.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
    // A token of another user flow than POLICY_NAME.
    const other = await getUserToken({
      metadataUrl: b2cQueryMetadataUrl(new URL(idp.issuer).origin, mfa!),
      user: 'alice',
    });
    const wrongPolicy = await call(`${api.url}/api/tasks`, { token: other.accessToken });
    assert.equal(wrongPolicy.status, 401);
  });

  it('creates (JSON body or path), lists, and removes the caller’s tasks', async () => {
    const created = await call(`${api.url}/api/tasks`, {
      method: 'POST',
      token: aliceToken,
      json: { Text: 'Buy milk' },
    });
    assert.equal(created.status, 201, api.output());
    const task = (await created.json()) as Task;
    assert.equal(task.owner, alice.oid);
    assert.equal(task.Text, 'Buy milk');
    assert.equal(task.completed, false);

    const byPath = await call(`${api.url}/api/tasks/${alice.oid}/Walk%20the%20dog`, {
      method: 'POST',
      token: aliceToken,
    });
    assert.equal(byPath.status, 201);

    const list = await call(`${api.url}/api/tasks`, { token: aliceToken });
    assert.equal(list.status, 200);
    assert.deepEqual(
      ((await list.json()) as Task[]).map((t) => t.Text),
      ['Buy milk', 'Walk the dog'],
    );

    const missing = await call(`${api.url}/api/tasks`, { method: 'POST', token: aliceToken, json: {} });
    assert.equal(missing.status, 409);
    assert.deepEqual(await missing.json(), {
      code: 'MissingTask',
      message: '"task" is a required parameter',
    });

    const removed = await call(`${api.url}/api/tasks/${alice.oid}/Buy%20milk`, {
      method: 'DELETE',
      token: aliceToken,
    });
    assert.equal(removed.status, 204);
    assert.equal(
      (await call(`${api.url}/api/tasks/${alice.oid}/Buy%20milk`, { method: 'DELETE', token: aliceToken }))
        .status,
      404,
    );
    const all = await call(`${api.url}/api/tasks`, { method: 'DELETE', token: aliceToken });
    assert.equal(all.status, 204);
    assert.deepEqual(await (await call(`${api.url}/api/tasks`, { token: aliceToken })).json(), []);
  });

  it('alice and bob, 20 requests each, interleaved and in parallel: each sees only their own tasks', async () => {
    const api = fresh;
    const users = [
      { name: 'alice', oid: alice.oid, token: aliceToken },
      { name: 'bob', oid: bob.oid, token: bobToken },
    ];
    const creates = Array.from({ length: 20 }, (_, i) =>
      users.map((user) =>
        call(`${api.url}/api/tasks`, {
          method: 'POST',
          token: user.token,
          json: { Text: `${user.name} ${i}` },
        }),
      ),
    ).flat();
    for (const response of await Promise.all(creates)) assert.equal(response.status, 201, api.output());

    const lists = Array.from({ length: 20 }, () =>
      users.map(async (user) => ({
        user,
        tasks: (await (await call(`${api.url}/api/tasks`, { token: user.token })).json()) as Task[],
      })),
    ).flat();
    for (const { user, tasks } of await Promise.all(lists)) {
      assert.equal(tasks.length, 20);
      for (const task of tasks) {
        assert.equal(task.owner, user.oid);
        assert.ok(task.Text.startsWith(`${user.name} `), `${user.name} sees ${task.Text}`);
      }
    }
  });

  it('another user’s tasks are not found: neither listed nor removed', async () => {
    await call(`${api.url}/api/tasks`, { method: 'POST', token: bobToken, json: { Text: 'bob’s secret' } });
    const peek = await call(`${api.url}/api/tasks/${bob.oid}`, { token: aliceToken });
    assert.equal(peek.status, 404);
    assert.doesNotMatch(await peek.text(), /secret/);
    assert.equal(
      (await call(`${api.url}/api/tasks/${bob.oid}`, { method: 'DELETE', token: aliceToken })).status,
      404,
    );
    const add = await call(`${api.url}/api/tasks/${bob.oid}/spam`, { method: 'POST', token: aliceToken });
    assert.equal(add.status, 404);
    const own = (await (await call(`${api.url}/api/tasks/${bob.oid}`, { token: bobToken })).json()) as Task[];
    assert.deepEqual(
      own.map((t) => t.Text),
      ['bob’s secret'],
    );
  });

  it('keeps the tutorial’s throttle (5 requests a second per IP, bursts of 10) unless configured', async () => {
    const statuses = await Promise.all(
      Array.from({ length: 15 }, async () => (await fetch(throttled.url)).status),
    );
    assert.ok(statuses.includes(200));
    assert.ok(statuses.includes(429), String(statuses));
  });

  it('passes the tutorial’s tenantName: accepted, and ignored with one warning', () => {
    const warnings = api.output().match(/BearerStrategy tenantName is ignored/g) ?? [];
    assert.equal(warnings.length, 1, api.output());
  });

  it('answers 503 with Retry-After, without a stack or the metadata URL, while the IdP is down', async () => {
    const metadataUrl = await unreachableMetadataUrl(
      '/contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration',
    );
    const down = await startServer('restify-passport-b2c-tasks', { ...env, IDENTITY_METADATA: metadataUrl });
    for (let i = 0; i < 3; i++) {
      const response = await fetch(`${down.url}/api/tasks`, {
        headers: { authorization: `Bearer ${aliceToken}` },
      });
      await assertSafeUnavailable(response, metadataUrl);
    }
    assert.equal(down.child.exitCode, null, down.output());
  });
});
