/**
 * The whole system in a real browser: the dev IdP (in this process), the to-do API and two copies
 * of the web app as child processes on free ports, Debian's Chromium driven by playwright-core.
 * Alice signs in, adds, completes and deletes; signs out; Bob sees none of her items; a read-only
 * sign-in gets the permission page; with the API stopped, the unavailable page.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type DevIdp, getUserToken } from 'gatehouse-dev-idp';
import { launchChromium, signInAtDevIdp } from 'gatehouse-test-support/chromium';
import { silent, startQuietDevIdp as startDevIdpFor } from 'gatehouse-test-support/dev-idp';
import { freePort } from 'gatehouse-test-support/ports';
import type { BrowserContext, Page } from 'playwright-core';
import { createSessionCodec, openSession } from '../../src/session.ts';
import { containsJwt, SECRET } from '../helpers.ts';
import { type Child, startNode, waitFor } from './processes.ts';

const RESULTS = resolve(import.meta.dirname, '../../test-results');
const READ_ONLY_SCOPES = 'openid profile offline_access api://todo/ToDoList.Read';

describe('todo-web in Chromium', { timeout: 90_000 }, () => {
  let dir = '';
  let idp: DevIdp;
  let api: Child;
  const webs: Child[] = [];
  let context: BrowserContext;
  let page: Page;
  let web = '';
  let readOnlyWeb = '';
  let aliceItemId = '';
  let apiUrl = '';
  /** Alice's session cookie and CSRF token as someone who copied them before she signed out. */
  const copied = { cookie: '', csrf: '' };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'todo-web-e2e-'));
    const [apiPort, webPort, readOnlyPort] = [await freePort(), await freePort(), await freePort()];
    web = `http://localhost:${webPort}`;
    apiUrl = `http://127.0.0.1:${apiPort}`;
    readOnlyWeb = `http://127.0.0.1:${readOnlyPort}`;
    idp = await startDevIdpFor({
      dataDir: join(dir, 'idp'),
      webPort,
      // The read-only copy lives on 127.0.0.1: cookies ignore ports, so it needs another host name.
      webRedirectUris: [`${readOnlyWeb}/auth/callback`],
      logger: silent,
    });
    api = startNode('apps/todo-api/src/server.ts', {
      PORT: String(apiPort),
      AUTH_ISSUER: idp.issuer,
      DATABASE_URL: `sqlite:${join(dir, 'todos.db')}`,
      RATE_LIMIT: 'off',
    });
    const common = {
      AUTH_ISSUER: idp.issuer,
      TODO_API_URL: `http://127.0.0.1:${apiPort}`,
      WEB_SESSION_SECRET: SECRET,
      DATA_DIR: join(dir, 'data'),
    };
    webs.push(startNode('apps/todo-web/src/server.ts', { ...common, WEB_PORT: String(webPort) }));
    webs.push(
      startNode('apps/todo-web/src/server.ts', {
        ...common,
        WEB_PORT: String(readOnlyPort),
        WEB_BASE_URL: readOnlyWeb,
        WEB_SCOPES: READ_ONLY_SCOPES,
      }),
    );
    const [first, second] = webs as [Child, Child];
    await Promise.all([
      waitFor(`http://127.0.0.1:${apiPort}/ready`, api),
      waitFor(`${web}/health`, first),
      waitFor(`${readOnlyWeb}/health`, second),
    ]);
    ({ context, page } = await launchChromium(join(dir, 'chromium')));
  });

  after(async () => {
    await context?.close();
    await Promise.all([...webs.map((child) => child.stop()), api?.stop()]);
    await idp?.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function signIn(origin: string, user: string | undefined): Promise<void> {
    await page.goto(`${origin}/`);
    await page.getByRole('button', { name: 'Sign in' }).click();
    if (user) {
      await signInAtDevIdp(page, user);
    }
    await page.waitForURL(`${origin}/todos`);
  }

  async function add(text: string, dueDate?: string): Promise<void> {
    await page.getByLabel('New to-do').fill(text);
    if (dueDate) await page.getByLabel('Due date').fill(dueDate);
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await page.waitForURL(`${web}/todos`);
  }

  const xss = '<script>window.__xss = 1</script><img src=x onerror="window.__xss = 2">Walk the dog';

  it('signs alice in through the dev IdP', async () => {
    await signIn(web, 'alice');
    assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Your to-dos');
    assert.match((await page.locator('.account').textContent()) ?? '', /Signed in as Alice Example/);
  });

  it('adds two to-dos, showing markup as text', async () => {
    await add('Buy milk', '2030-01-31');
    await add(xss);
    const items = await page.locator('#open-heading + ul .text').allTextContents();
    assert.deepEqual(items.sort(), ['Buy milk', xss].sort());
    assert.equal(await page.evaluate(() => Reflect.get(window, '__xss')), undefined);
    assert.match((await page.locator('time').first().textContent()) ?? '', /31 Jan 2030/);
  });

  it('completes one and saves a screenshot of the list', async () => {
    await page.getByRole('button', { name: 'Complete: Buy milk' }).click();
    await page.waitForURL(`${web}/todos`);
    assert.deepEqual(await page.locator('#done-heading + ul .text').allTextContents(), ['Buy milk']);
    const action = await page.locator('#done-heading + ul form').first().getAttribute('action');
    aliceItemId = decodeURIComponent(/^\/todos\/([^/]+)\/delete$/.exec(action ?? '')?.[1] ?? '');
    assert.ok(aliceItemId);
    await mkdir(RESULTS, { recursive: true });
    await page.screenshot({ path: join(RESULTS, 'todo-list.png'), fullPage: true });
  });

  it('deletes the other', async () => {
    await page.getByRole('button', { name: `Delete: ${xss}` }).click();
    await page.waitForURL(`${web}/todos`);
    assert.deepEqual(await page.locator('.todo .text').allTextContents(), ['Buy milk']);
  });

  it('keeps tokens out of the page and out of cookies scripts can read', async () => {
    const cookies = await context.cookies();
    const own = cookies.find((cookie) => cookie.name === 'todo_web_session');
    assert.ok(own, 'the session cookie is set');
    assert.equal(own.httpOnly, true);
    assert.equal(own.sameSite, 'Lax');
    assert.ok(!own.value.startsWith('eyJ'));
    const session = await openSession(createSessionCodec([SECRET]), own.value);
    const accessToken = session?.accessToken ?? '';
    assert.match(accessToken, /^eyJ/, 'the session does hold a JWT access token, encrypted');
    const signature = accessToken.split('.')[2] ?? '-';
    for (const cookie of cookies) {
      // Every cookie the browser holds, the identity provider's included.
      assert.ok(!containsJwt(decodeURIComponent(cookie.value)), `no JWT in ${cookie.name}`);
      assert.ok(!cookie.value.includes(signature), `no access token in ${cookie.name}`);
    }
    const script = await page.evaluate(() => document.cookie);
    assert.ok(!script.includes('todo_web_session'));
    assert.ok(!script.includes(accessToken));
    assert.ok(!(await page.content()).includes(accessToken));
    assert.ok(!(await page.content()).includes(session?.refreshToken ?? '-'));
  });

  it('refuses a form post without the CSRF token', async () => {
    const forged = await page.request.post(`${web}/todos`, { form: { text: 'forged' }, maxRedirects: 0 });
    assert.equal(forged.status(), 403);
    assert.match(await forged.text(), /This form could not be accepted/);
    await page.reload();
    assert.deepEqual(await page.locator('.todo .text').allTextContents(), ['Buy milk']);
  });

  it('(a copy of the session cookie is taken while alice is signed in)', async () => {
    const cookie = (await context.cookies(web)).find((c) => c.name === 'todo_web_session');
    assert.ok(cookie, 'signed in');
    copied.cookie = `${cookie.name}=${cookie.value}`;
    copied.csrf = await page.locator('input[name=_csrf]').first().inputValue();
    const works = await fetch(`${web}/todos`, { headers: { cookie: copied.cookie }, redirect: 'manual' });
    assert.equal(works.status, 200, 'the copy works while the session lasts');
  });

  it('signs out through the IdP and back to the landing page', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(new RegExp(`^${idp.issuer}/session/end`));
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(`${web}/?state=signed-out`);
    assert.match((await page.locator('.notice').textContent()) ?? '', /You have signed out/);
    const cookies = await context.cookies(web);
    assert.equal(
      cookies.find((cookie) => cookie.name === 'todo_web_session'),
      undefined,
    );
  });

  it('after sign-out the copied cookie is refused: back to the landing page, and it cannot add a to-do', async () => {
    const read = await fetch(`${web}/todos`, { headers: { cookie: copied.cookie }, redirect: 'manual' });
    assert.equal(read.status, 303);
    assert.equal(read.headers.get('location'), '/?notice=session-ended');
    const text = 'Added with a cookie copied before sign-out';
    const write = await fetch(`${web}/todos`, {
      method: 'POST',
      redirect: 'manual',
      headers: {
        cookie: copied.cookie,
        origin: web,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ _csrf: copied.csrf, text, dueDate: '' }).toString(),
    });
    assert.equal(write.status, 303);
    assert.equal(write.headers.get('location'), '/?notice=session-ended');
    // Ask the API itself, with a fresh token of alice's: nothing was added.
    const token = (await getUserToken({ issuer: idp.issuer, user: 'alice' })).accessToken;
    const list = await fetch(`${apiUrl}/api/todos?limit=200`, {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(list.status, 200);
    const items = (await list.json()) as Array<{ text: string }>;
    assert.deepEqual(
      items.map((item) => item.text),
      ['Buy milk'],
    );
  });

  it("signs bob in: he sees none of alice's items and cannot touch them", async () => {
    await signIn(web, 'bob');
    assert.match((await page.locator('.account').textContent()) ?? '', /Bob Example/);
    assert.deepEqual(await page.locator('.todo').allTextContents(), []);
    assert.match((await page.locator('.empty').textContent()) ?? '', /Nothing to do/);
    const csrf = await page.locator('input[name=_csrf]').first().inputValue();
    const answer = await page.request.post(`${web}/todos/${encodeURIComponent(aliceItemId)}/delete`, {
      form: { _csrf: csrf },
      headers: { origin: web },
      maxRedirects: 0,
    });
    assert.equal(answer.status(), 404);
  });

  it('shows the permission page when the API refuses a read-only sign-in', async () => {
    await signIn(readOnlyWeb, undefined); // the IdP remembers bob: no login form
    await page.getByLabel('New to-do').fill('Needs write access');
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.url() === `${readOnlyWeb}/todos` && r.request().method() === 'POST'),
      page.getByRole('button', { name: 'Add', exact: true }).click(),
    ]);
    assert.equal(response.status(), 403);
    assert.equal(
      await page.getByRole('heading', { level: 1 }).textContent(),
      "You don't have permission to do that",
    );
  });

  it('shows the unavailable page when the API is down', async () => {
    await api.stop();
    const response = await page.goto(`${web}/todos`);
    assert.equal(response?.status(), 503);
    assert.equal(
      await page.getByRole('heading', { level: 1 }).textContent(),
      'The to-do service is unavailable',
    );
    assert.ok(!(await page.content()).includes('ECONNREFUSED'));
  });
});
