/**
 * The answers of gatehouse-auth/passport's BearerStrategy over real HTTP, run once per framework
 * (Express in passport.test.ts, restify in passport-restify.test.ts, which alone may import restify).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TestIssuer } from 'gatehouse-test-support/issuer';
import { freePort } from 'gatehouse-test-support/ports';
import type { JWTPayload } from 'jose';
import passport from 'passport';
import {
  BearerStrategy,
  type BearerStrategyOptions,
  type VerifyDone,
} from '../../src/compat/passport-azure-ad/index.ts';
import type { RunningServer } from '../adapters/http-client.ts';

export const CLIENT = 'f0b6e4eb-2d8c-40b6-b9c6-e26d1074846d';

// A fresh Authenticator per server, so strategies never leak between tests. (@types/passport's
// PassportStatic hides the constructor it documents, hence the cast.)
const { Authenticator } = passport as unknown as { Authenticator: new () => typeof passport };
export type PassportAuthenticator = typeof passport;
export const newAuthenticator = (): PassportAuthenticator => new Authenticator();

/**
 * Serves `GET /hello` behind `authenticator.authenticate('oauth-bearer', { session: false })`
 * (answering `{ user }`) and an open `GET /public`, with the framework's default error handling.
 */
export type MountPassport = (authenticator: PassportAuthenticator) => Promise<RunningServer>;

export function runPassportBehaviour(framework: string, mount: MountPassport): void {
  describe(`gatehouse-auth/passport on ${framework}: RFC 6750 answers over real HTTP`, () => {
    let idp: TestIssuer;
    const cleanups: (() => Promise<void> | void)[] = [];
    before(async () => {
      idp = await TestIssuer.start(['RS256']);
    });
    after(async () => {
      for (const cleanup of cleanups) await cleanup();
      await idp.close();
    });

    async function serve(options: Partial<BearerStrategyOptions> = {}): Promise<string> {
      const strategy = new BearerStrategy(
        { identityMetadata: `${idp.url}/.well-known/openid-configuration`, clientID: CLIENT, ...options },
        (claims: JWTPayload, done: VerifyDone) => done(null, { sub: claims.sub }, claims),
      );
      const authenticator = newAuthenticator();
      authenticator.use(strategy);
      const server = await mount(authenticator);
      cleanups.push(
        () => server.close(),
        () => strategy.gatehouse.close(),
      );
      return server.url;
    }
    const get = (url: string, token?: string) =>
      fetch(url, token ? { headers: { authorization: `Bearer ${token}` } } : {});
    const token = (claims: Record<string, unknown> = {}) => idp.sign({ aud: CLIENT, ...claims });

    it('401 carries the Bearer challenge: bare without a token, invalid_token for a bad one', async () => {
      const url = await serve();
      const none = await get(`${url}/hello`);
      assert.equal(none.status, 401);
      assert.equal(none.headers.get('www-authenticate'), 'Bearer realm="api"');
      const bad = await get(`${url}/hello`, `${await token()}x`);
      assert.equal(bad.status, 401);
      assert.match(bad.headers.get('www-authenticate') ?? '', /^Bearer realm="api", error="invalid_token"/);
      assert.equal((await get(`${url}/hello`, await token())).status, 200);
    });

    it('403 insufficient_scope carries WWW-Authenticate with the error and the scope', async () => {
      const url = await serve({ scope: ['demo.read'] });
      const denied = await get(`${url}/hello`, await token({ scp: 'demo.write' }));
      assert.equal(denied.status, 403);
      assert.match(
        denied.headers.get('www-authenticate') ?? '',
        /^Bearer realm="api", error="insufficient_scope", error_description="[^"]+", scope="demo.read"$/,
      );
      const allowed = await get(`${url}/hello`, await token({ scp: 'demo.read' }));
      assert.equal(allowed.status, 200);
      assert.equal(allowed.headers.get('www-authenticate'), null);
    });

    it('503 while the identity provider is unreachable: Retry-After, no stack, no internal URL; the server keeps serving', async () => {
      const metadataUrl = `http://127.0.0.1:${await freePort()}/internal-tenant/v2.0/.well-known/openid-configuration`;
      const url = await serve({ identityMetadata: metadataUrl, loggingLevel: 'error' });
      const jwt = await token();
      const answers = await Promise.all([1, 2, 3].map(() => get(`${url}/hello`, jwt)));
      for (const answer of answers) {
        const body = await answer.text();
        assert.equal(answer.status, 503, body);
        assert.ok(Number(answer.headers.get('retry-after')) >= 1, 'Retry-After');
        assert.equal(answer.headers.get('www-authenticate'), null);
        assert.match(body, /temporarily unavailable/);
        // Stack frames ("at fn (file:line:col)", also as Express's escaped HTML) and internals.
        assert.doesNotMatch(body, /(?:\s|&nbsp;|>)at\s/);
        assert.doesNotMatch(body, /\.[cm]?[jt]s:\d+|node:internal|file:\/\//);
        assert.ok(!body.includes(metadataUrl), body);
        assert.doesNotMatch(body, /127\.0\.0\.1|internal-tenant|openid-configuration|ECONNREFUSED/);
      }
      // Still up: the open route answers, and so does the protected one, the same way.
      assert.equal((await get(`${url}/public`)).status, 200);
      assert.equal((await get(`${url}/hello`, jwt)).status, 503);
    });
  });
}
