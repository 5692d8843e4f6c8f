/**
 * The browser's part of a sign-in at the real dev IdP, over real HTTP, for tests that drive the
 * app with inject(): follow redirects with the IdP's cookies, type the user name into its login
 * form, and stop at the redirect back to the app.
 */
import type { TestContext } from 'node:test';
import type { DevIdp, DevIdpOptions } from 'gatehouse-dev-idp';
import { startQuietDevIdp } from 'gatehouse-test-support/dev-idp';

/** A dev IdP for one test: closed, and its data removed, when the test ends. */
export async function startTestIdp(t: TestContext, options: DevIdpOptions = {}): Promise<DevIdp> {
  const idp = await startQuietDevIdp(options);
  t.after(() => idp.close());
  return idp;
}

/** Follows the IdP's redirects and login form from `start` until it redirects to `appOrigin`. */
export async function signInAtIdp(start: string, user: string, appOrigin: string): Promise<URL> {
  const jar = new Map<string, string>();
  let url = new URL(start);
  let init: RequestInit = {};
  for (let step = 0; step < 15; step += 1) {
    const cookie = [...jar].map(([name, value]) => `${name}=${value}`).join('; ');
    const response = await fetch(url, {
      ...init,
      redirect: 'manual',
      headers: { ...(init.headers as Record<string, string>), ...(cookie ? { cookie } : {}) },
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const at = pair.indexOf('=');
      jar.set(pair.slice(0, at), pair.slice(at + 1));
    }
    const location = response.headers.get('location');
    await response.body?.cancel();
    if (location) {
      const next = new URL(location, url);
      if (next.origin === appOrigin) return next;
      url = next;
      init = {};
    } else if (response.ok && /^\/interaction\/[^/]+$/.test(url.pathname)) {
      url = new URL(`${url.pathname}/login`, url);
      init = {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ login: user, password: '' }).toString(),
      };
    } else {
      throw new Error(`the IdP answered ${response.status} at ${url.pathname}`);
    }
  }
  throw new Error('no redirect back to the app');
}
