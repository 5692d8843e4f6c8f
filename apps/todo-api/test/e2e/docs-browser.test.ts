/**
 * The interactive docs in a real browser (Debian's chromium via playwright-core): Authorize signs
 * in through the dev IdP with authorization code + PKCE as `todo-docs`, and "Try it out" then
 * calls the API with the token.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { CHROMIUM } from 'gatehouse-test-support/chromium';
import { tempDir } from 'gatehouse-test-support/temp';
import { chromium } from 'playwright-core';
import { type DevSystem, startDevSystem } from '../helpers/processes.ts';

const data = tempDir('todo-docs-');
let system: DevSystem | undefined;
after(() => {
  system?.process.killGroup();
  data.remove();
});

describe('/docs in a browser', () => {
  it('signs in through the dev IdP with PKCE and calls the API', async () => {
    system = await startDevSystem(data.path);
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    try {
      const page = await browser.newPage();
      await page.goto(`${system.api}/docs/`);
      await page.click('.btn.authorize', { timeout: 15_000 });
      const [popup] = await Promise.all([
        page.waitForEvent('popup'),
        page.click('.auth-btn-wrapper .btn.modal-btn.auth.authorize'),
      ]);
      await popup.waitForLoadState();
      assert.ok(popup.url().startsWith(system.issuer), `sign-in page at the dev IdP, not ${popup.url()}`);
      assert.match(await popup.content(), /todo-docs/);
      await popup.fill('#login', 'alice');
      await Promise.all([
        popup.waitForEvent('close', { timeout: 15_000 }),
        popup.click('form[action$="/login"] button[type=submit]'),
      ]);
      await page.click('.auth-btn-wrapper .btn-done');

      await page.click('#operations-todos-get_api_todos .opblock-summary');
      await page.click('#operations-todos-get_api_todos .try-out__btn');
      const [response] = await Promise.all([
        page.waitForResponse((r) => r.url().startsWith(`${system?.api}/api/todos`)),
        page.click('#operations-todos-get_api_todos .execute'),
      ]);
      assert.equal(response.status(), 200);
      assert.match((await response.request().allHeaders()).authorization ?? '', /^Bearer ey/);
    } finally {
      await browser.close();
      await system.stop();
    }
  });
});
