/**
 * RFC 9470 step-up, the whole loop in Chromium: the dev IdP (in this process), the to-do API with
 * STEP_UP_ACR=mfa and the web app as child processes, Debian's Chromium driven by playwright-core.
 * Alice signs in with a password, tries to delete, is sent to sign in again with acr_values=mfa,
 * and after that sign-in the delete goes through.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type DevIdp, getUserToken } from 'gatehouse-dev-idp';
import { launchChromium, signInAtDevIdp } from 'gatehouse-test-support/chromium';
import { silent, startQuietDevIdp as startDevIdpFor } from 'gatehouse-test-support/dev-idp';
import { freePort } from 'gatehouse-test-support/ports';
import { decodeJwt } from 'jose';
import type { BrowserContext, Page } from 'playwright-core';
import { createSessionCodec, openSession } from '../../src/session.ts';
import { SECRET } from '../helpers.ts';
import { type Child, startNode, waitFor } from './processes.ts';

/** One plain HTTP request; `www-authenticate` lists every such header line as received. */
function raw(url: string, method: string, token: string) {
  return new Promise<{ status: number; challenges: string[] }>((resolve, reject) => {
    const req = httpRequest(url, { method, headers: { authorization: `Bearer ${token}` } }, (res) => {
      const challenges: string[] = [];
      for (let i = 0; i < res.rawHeaders.length; i += 2) {
        if (res.rawHeaders[i]?.toLowerCase() === 'www-authenticate')
          challenges.push(res.rawHeaders[i + 1] ?? '');
      }
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, challenges }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('todo-web step-up in Chromium (API with STEP_UP_ACR=mfa)', { timeout: 90_000 }, () => {
  let dir = '';
  let idp: DevIdp;
  let api: Child;
  let webChild: Child;
  let context: BrowserContext;
  let page: Page;
  let web = '';
  let apiUrl = '';
  /** Every authorization request the browser made, in order. */
  const authorizations: URL[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'todo-web-step-up-'));
    const [apiPort, webPort] = [await freePort(), await freePort()];
    web = `http://localhost:${webPort}`;
    apiUrl = `http://127.0.0.1:${apiPort}`;
    idp = await startDevIdpFor({ dataDir: join(dir, 'idp'), webPort, logger: silent });
    api = startNode('apps/todo-api/src/server.ts', {
      PORT: String(apiPort),
      AUTH_ISSUER: idp.issuer,
      DATABASE_URL: `sqlite:${join(dir, 'todos.db')}`,
      RATE_LIMIT: 'off',
      STEP_UP_ACR: 'mfa',
      STEP_UP_MAX_AGE: '600',
    });
    webChild = startNode('apps/todo-web/src/server.ts', {
      AUTH_ISSUER: idp.issuer,
      TODO_API_URL: apiUrl,
      WEB_SESSION_SECRET: SECRET,
      DATA_DIR: join(dir, 'data'),
      WEB_PORT: String(webPort),
    });
    await Promise.all([waitFor(`${apiUrl}/ready`, api), waitFor(`${web}/health`, webChild)]);
    ({ context, page } = await launchChromium(join(dir, 'chromium')));
    context.on('request', (request) => {
      const url = new URL(request.url());
      if (url.href.startsWith(`${idp.issuer}/auth`) && url.searchParams.has('code_challenge')) {
        authorizations.push(url);
      }
    });
  });

  after(async () => {
    await context?.close();
    await Promise.all([webChild?.stop(), api?.stop()]);
    await idp?.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** The access token in the browser's (encrypted) session cookie, decoded. */
  async function sessionClaims() {
    const cookie = (await context.cookies(web)).find((c) => c.name === 'todo_web_session');
    assert.ok(cookie, 'signed in');
    const session = await openSession(createSessionCodec([SECRET]), cookie.value);
    return decodeJwt(session?.accessToken ?? '');
  }

  const login = (user: string) => signInAtDevIdp(page, user);

  it('the API answers a password sign-in’s delete with one RFC 9470 challenge, over plain HTTP', async () => {
    const { accessToken } = await getUserToken({ issuer: idp.issuer, user: 'bob' });
    const created = await fetch(`${apiUrl}/api/todos`, {
      method: 'POST',
      headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'Sensitive' }),
    });
    assert.equal(created.status, 201);
    const { id } = (await created.json()) as { id: string };
    const refused = await raw(`${apiUrl}/api/todos/${id}`, 'DELETE', accessToken);
    assert.equal(refused.status, 401);
    assert.deepEqual(refused.challenges, [
      'Bearer realm="api", error="insufficient_user_authentication", ' +
        'error_description="A different authentication level is required", acr_values="mfa", max_age="600", ' +
        `resource_metadata="${apiUrl}/.well-known/oauth-protected-resource"`,
    ]);
  });

  it('alice signs in with a password and adds a to-do', async () => {
    await page.goto(`${web}/`);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await login('alice');
    await page.waitForURL(`${web}/todos`);
    assert.equal((await sessionClaims()).acr, 'pwd');
    await page.getByLabel('New to-do').fill('Shred the old passport');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await page.waitForURL(`${web}/todos`);
    assert.deepEqual(await page.locator('.todo .text').allTextContents(), ['Shred the old passport']);
  });

  it('deleting sends her to sign in again with acr_values=mfa; afterwards the delete succeeds', async () => {
    assert.equal(authorizations.length, 1);
    await page.getByRole('button', { name: 'Delete: Shred the old passport' }).click();
    // The IdP remembers alice, yet prompt=login shows its login form again.
    await login('alice');
    await page.waitForURL(`${web}/todos?notice=stepped-up`);
    assert.equal(authorizations.length, 2);
    const stepUp = authorizations[1] as URL;
    assert.equal(stepUp.searchParams.get('acr_values'), 'mfa');
    assert.equal(stepUp.searchParams.get('max_age'), '600');
    assert.equal(stepUp.searchParams.get('prompt'), 'login');
    assert.equal(authorizations[0]?.searchParams.get('acr_values'), null);

    assert.equal(await page.getByRole('status').textContent(), 'You signed in again. Please try that again.');
    // Nothing was deleted behind her back: the item waits for her to try again.
    assert.deepEqual(await page.locator('.todo .text').allTextContents(), ['Shred the old passport']);
    const claims = await sessionClaims();
    assert.equal(claims.acr, 'mfa', 'the session holds the stronger token');
    assert.deepEqual(claims.amr, ['pwd', 'otp', 'mfa']);

    await page.getByRole('button', { name: 'Delete: Shred the old passport' }).click();
    await page.waitForURL(`${web}/todos`);
    assert.deepEqual(await page.locator('.todo').allTextContents(), []);
    assert.equal(authorizations.length, 2, 'no third sign-in');

    // The API agrees: alice has no items left.
    const { accessToken } = await getUserToken({ issuer: idp.issuer, user: 'alice' });
    const list = await fetch(`${apiUrl}/api/todos`, { headers: { authorization: `Bearer ${accessToken}` } });
    assert.deepEqual(await list.json(), []);
  });
});
