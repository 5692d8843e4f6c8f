/**
 * Debian's Chromium driven by playwright-core, set up once for every browser test: the same
 * binary, flags and viewport, and the dev IdP's login form filled the way a user fills it.
 */
import { type BrowserContext, chromium, type Page } from 'playwright-core';

/** The browser binary (`CHROMIUM_PATH` overrides Debian's). */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

// No sandbox (containers), nothing fetched in the background that could slow or skew a test.
const FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface Browser {
  context: BrowserContext;
  /** The context's first page. */
  page: Page;
}

/**
 * A headless Chromium with its profile in `profileDir` (cookies persist across pages, as in a real
 * browser), a 900×700 viewport and a 30 s default timeout (generous: CI machines run browser tests beside
 * other test files). The caller closes `context`.
 */
export async function launchChromium(profileDir: string): Promise<Browser> {
  const context = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    viewport: { width: 900, height: 700 },
  });
  context.setDefaultTimeout(30_000);
  const page = context.pages()[0] ?? (await context.newPage());
  return { context, page };
}

/** On the dev IdP's login page (once the browser is sent there): types `user` and signs in. */
export async function signInAtDevIdp(page: Page, user: string): Promise<void> {
  await page.waitForURL(/\/interaction\//);
  await page.getByLabel('User name').fill(user);
  await page.getByRole('button', { name: 'Sign in' }).click();
}
