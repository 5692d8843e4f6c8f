import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, describe, it } from 'node:test';
import express from 'express';
import { makeKey, TestIssuer } from 'gatehouse-test-support/issuer';
import type { JWTPayload } from 'jose';
import {
  BearerStrategy,
  BearerStrategyError,
  type BearerStrategyOptions,
  type VerifyCallback,
} from '../../src/compat/passport-azure-ad/index.ts';
import { ConfigurationError } from '../../src/index.ts';
import { listen, type RunningServer } from '../adapters/http-client.ts';
import { CLIENT, type MountPassport, newAuthenticator, runPassportBehaviour } from './passport-behaviour.ts';

/** Express with its default final handler, in development mode: the error page shows `err.stack`. */
const expressPassport: MountPassport = async (authenticator) => {
  const app = express();
  app.set('env', 'development');
  app.use(authenticator.initialize());
  app.get('/public', (_req, res) => {
    res.json({ public: true });
  });
  app.get('/hello', authenticator.authenticate('oauth-bearer', { session: false }), (req, res) => {
    res.json({ user: req.user });
  });
  return listen(createServer(app));
};

runPassportBehaviour('Express', expressPassport);

describe('gatehouse-auth/passport: a drop-in BearerStrategy for passport-azure-ad users', () => {
  let idp: TestIssuer;
  const servers: RunningServer[] = [];
  before(async () => {
    idp = await TestIssuer.start(['RS256']);
    idp.publish('/contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration?p=B2C_1_signin', idp.url);
  });
  after(async () => {
    for (const s of servers) await s.close();
    await idp.close();
  });

  /** The shape of Microsoft's B2C web-API sample: passport.authenticate('oauth-bearer', { session: false }), claims in req.authInfo. */
  async function serve(options: Partial<BearerStrategyOptions>, verify?: VerifyCallback): Promise<string> {
    const strategy = new BearerStrategy(
      { identityMetadata: `${idp.url}/.well-known/openid-configuration`, clientID: CLIENT, ...options },
      verify ??
        ((claims: JWTPayload, done: (e: unknown, u?: unknown, i?: unknown) => void) =>
          done(null, {}, claims)),
    );
    const instance = newAuthenticator();
    instance.use(strategy);
    const app = express();
    app.use(instance.initialize());
    app.get('/hello', instance.authenticate('oauth-bearer', { session: false }), (req, res) => {
      res.json({ name: (req.authInfo as JWTPayload).name, user: req.user });
    });
    const server = await listen(createServer(app));
    servers.push(server);
    return `${server.url}/hello`;
  }
  const get = (url: string, token?: string) =>
    fetch(url, token ? { headers: { authorization: `Bearer ${token}` } } : {});
  const token = (claims: Record<string, unknown> = {}) => idp.sign({ aud: CLIENT, name: 'Alice', ...claims });

  it('accepts a valid token and hands its claims to the verify callback (passport-azure-ad contract)', async () => {
    let seen: JWTPayload | undefined;
    const url = await serve({}, (claims, done) => {
      seen = claims;
      done(null, { id: claims.oid }, claims);
    });
    const res = await get(url, await token());
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), {
      name: 'Alice',
      user: { id: '00000000-0000-0000-0000-0000000000a1' },
    });
    assert.equal(seen?.name, 'Alice');
  });

  it('answers 401 with RFC 6750 challenges: bare without a token, invalid_token for a bad one', async () => {
    const url = await serve({});
    const none = await get(url);
    assert.equal(none.status, 401);
    assert.equal(none.headers.get('www-authenticate'), 'Bearer realm="api"');
    const bad = await get(url, await token({ aud: 'someone-else' }));
    assert.equal(bad.status, 401);
    assert.match(bad.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
  });

  it('survives unknown kids (passport-azure-ad crashed on them): 401 and the server keeps serving', async () => {
    const url = await serve({});
    const attacker = await makeKey('RS256', 'unknown-kid');
    for (let i = 0; i < 5; i++)
      assert.equal((await get(url, await idp.sign({ aud: CLIENT }, { key: attacker }))).status, 401);
    assert.equal((await get(url, await token())).status, 200);
  });

  it('honours scope: a token without it gets 403 insufficient_scope', async () => {
    const url = await serve({ scope: ['demo.read'] });
    const denied = await get(url, await token({ scp: 'demo.write' }));
    assert.equal(denied.status, 403);
    assert.match(
      denied.headers.get('www-authenticate') ?? '',
      /error="insufficient_scope", .*scope="demo.read"/,
    );
    assert.equal((await get(url, await token({ scp: 'demo.read' }))).status, 200);
  });

  it('honours audience, clockSkew, allowMultiAudiencesInToken and passReqToCallback', async () => {
    assert.equal((await get(await serve({ audience: 'api://other' }), await token())).status, 401);
    const now = Math.floor(Date.now() / 1000);
    const late = await token({ exp: now - 200 });
    assert.equal((await get(await serve({}), late)).status, 401, 'default skew is 60 s');
    assert.equal((await get(await serve({ clockSkew: 300 }), late)).status, 200);
    const twoAud = await token({ aud: [CLIENT, 'other'] });
    assert.equal((await get(await serve({}), twoAud)).status, 401);
    assert.equal((await get(await serve({ allowMultiAudiencesInToken: true }), twoAud)).status, 200);
    let sawRequest = false;
    const strategy = new BearerStrategy(
      {
        identityMetadata: `${idp.url}/.well-known/openid-configuration`,
        clientID: CLIENT,
        passReqToCallback: true,
      },
      (req, claims, done) => {
        sawRequest = typeof req.headers === 'object';
        done(null, { sub: claims.sub });
      },
    );
    const instance = newAuthenticator();
    instance.use(strategy);
    const app = express();
    app.get('/r', instance.authenticate('oauth-bearer', { session: false }), (_req, res) => {
      res.json({});
    });
    const server = await listen(createServer(app));
    servers.push(server);
    assert.equal((await get(`${server.url}/r`, await token())).status, 200);
    assert.equal(sawRequest, true);
  });

  it('a verify callback that returns no user turns the caller away with 401', async () => {
    const url = await serve({}, (_claims, done) => done(null, false));
    assert.equal((await get(url, await token())).status, 401);
  });

  it('isB2C + policyName: the ?p= metadata, and a token of another policy refused', async () => {
    const url = await serve({
      identityMetadata: `${idp.url}/contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration`,
      isB2C: true,
      policyName: 'B2C_1_signin',
    });
    assert.equal((await get(url, await token({ tfp: 'B2C_1_signin' }))).status, 200);
    assert.equal((await get(url, await token({ tfp: 'B2C_1_other' }))).status, 401);
  });

  it("isB2C: another user flow's token is logged as a policy mismatch (expected vs tfp/acr), escaped, never the token", async (t) => {
    const logged: string[] = [];
    t.mock.method(console, 'info', (line: string) => logged.push(line));
    const url = await serve({
      identityMetadata: `${idp.url}/contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration`,
      isB2C: true,
      policyName: 'B2C_1_signin',
      loggingLevel: 'info',
    });
    const other = await token({ tfp: 'B2C_1_signupsignin\n"forged log line' });
    assert.equal((await get(url, other)).status, 401);
    const legacy = await token({ acr: 'b2c_1_passwordreset' });
    assert.equal((await get(url, legacy)).status, 401);
    assert.equal((await get(url, await token({ acr: 'b2c_1_SIGNIN' }))).status, 200);

    const refusals = logged.filter((line) => line.includes('policy mismatch'));
    assert.equal(refusals.length, 2, logged.join('\n'));
    assert.match(
      refusals[0]!,
      /expected B2C_1_signin; the token's tfp is "B2C_1_signupsignin\\n\\"forged log line"/,
    );
    assert.match(refusals[1]!, /expected B2C_1_signin; the token's acr is "b2c_1_passwordreset"/);
    for (const line of refusals) {
      assert.doesNotMatch(line, /untrusted issuer/);
      assert.ok(!line.includes('\n'), 'one line');
      assert.ok(!line.includes(other) && !line.includes(legacy), 'the token is never logged');
    }
  });

  it('answers 503 with Retry-After while the issuer cannot be reached, not 401', async () => {
    const down = await TestIssuer.start(['RS256']);
    down.outage = 'error-500';
    const strategy = new BearerStrategy(
      { identityMetadata: `${down.url}/.well-known/openid-configuration`, clientID: CLIENT },
      (t: JWTPayload, done: (e: unknown, u?: unknown, i?: unknown) => void) => done(null, {}, t),
    );
    const instance = newAuthenticator();
    instance.use(strategy);
    const app = express();
    app.get('/x', instance.authenticate('oauth-bearer', { session: false }), (_req, res) => {
      res.json({});
    });
    const server = await listen(createServer(app));
    servers.push(server);
    const res = await get(`${server.url}/x`, await down.sign({ aud: CLIENT }));
    assert.equal(res.status, 503);
    assert.ok(Number(res.headers.get('retry-after')) >= 1);
    strategy.gatehouse.close();
    await down.close();
  });

  it('hands a custom callback a safe error while keys are unavailable: 503, public message, no frames', async () => {
    const down = await TestIssuer.start(['RS256']);
    down.outage = 'error-500';
    const strategy = new BearerStrategy(
      {
        identityMetadata: `${down.url}/.well-known/openid-configuration`,
        clientID: CLIENT,
        loggingLevel: 'error',
      },
      (t: JWTPayload, done: (e: unknown, u?: unknown, i?: unknown) => void) => done(null, {}, t),
    );
    const instance = newAuthenticator();
    instance.use(strategy);
    let seen: unknown;
    const app = express();
    app.get('/x', (req, res, next) =>
      instance.authenticate('oauth-bearer', { session: false }, (error: unknown) => {
        seen = error;
        if (!(error instanceof BearerStrategyError)) return next(error);
        res.status(error.status).set(error.headers).json(error);
      })(req, res, next),
    );
    const server = await listen(createServer(app));
    servers.push(server);
    const res = await get(`${server.url}/x`, await down.sign({ aud: CLIENT }));
    assert.equal(res.status, 503);
    assert.ok(Number(res.headers.get('retry-after')) >= 1);
    assert.deepEqual(await res.json(), {
      type: 'about:blank',
      title: 'Service Unavailable',
      status: 503,
      detail: 'Token signing keys are temporarily unavailable',
      code: 'ERR_KEYS_UNAVAILABLE',
    });
    assert.ok(seen instanceof BearerStrategyError);
    assert.equal(seen.code, 'ERR_KEYS_UNAVAILABLE');
    assert.equal(seen.stack, 'BearerStrategyError: Token signing keys are temporarily unavailable');
    assert.ok(!JSON.stringify(seen).includes(down.url));
    strategy.gatehouse.close();
    await down.close();
  });

  it("accepts tenantName (Microsoft's restify B2C sample passes it) and ignores it with a one-line warning", (t) => {
    const warn = t.mock.method(console, 'warn', () => {});
    const base = { identityMetadata: `${idp.url}/.well-known/openid-configuration`, clientID: CLIENT };
    const verify: VerifyCallback = (claims, done) => done(null, claims);
    const strategy = new BearerStrategy({ ...base, tenantName: 'contoso.onmicrosoft.com' }, verify);
    strategy.gatehouse.close();
    assert.equal(warn.mock.callCount(), 1);
    const line = String(warn.mock.calls[0]?.arguments[0]);
    assert.match(
      line,
      /^gatehouse: BearerStrategy tenantName is ignored: identityMetadata already names the tenant/,
    );
    assert.doesNotMatch(line, /\n/);
    assert.doesNotMatch(line, /contoso/, 'the value itself is not logged');
    // Not passed (or undefined, as config files leave it): no warning; loggingLevel 'error' silences it.
    new BearerStrategy(base, verify).gatehouse.close();
    new BearerStrategy({ ...base, tenantName: undefined }, verify).gatehouse.close();
    new BearerStrategy({ ...base, tenantName: 'contoso', loggingLevel: 'error' }, verify).gatehouse.close();
    assert.equal(warn.mock.callCount(), 1);
  });

  it('refuses, at start-up and with one line each, the options it cannot honour safely', () => {
    const base = { identityMetadata: `${idp.url}/.well-known/openid-configuration`, clientID: CLIENT };
    const verify: VerifyCallback = (t, done) => done(null, t);
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ validateIssuer: false }, /validateIssuer: false is refused/],
      [{ loggingNoPII: false }, /loggingNoPII: false is refused/],
      [{ isB2C: true }, /isB2C needs policyName/],
      [{ policyName: 'B2C_1_x' }, /policyName needs isB2C/],
      [{ scope: [] }, /scope must be a non-empty array/],
      [{ proxy: 'http://proxy' }, /proxy/],
      [{ responseType: 'id_token' }, /OIDCStrategy/],
      [
        {
          identityMetadata: 'https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration',
        },
        /issuer is required with a multi-tenant/,
      ],
      [{ identityMetadata: 'http://login.example.com/.well-known/openid-configuration' }, /https/],
      [{ clockSkew: 3600 }, /clockTolerance/],
      [{ clientId: CLIENT }, /clientId is not a BearerStrategy option/],
    ];
    for (const [extra, message] of cases) {
      assert.throws(
        () => new BearerStrategy({ ...base, ...extra } as BearerStrategyOptions, verify),
        (e: unknown) => e instanceof ConfigurationError && message.test(e.message),
        JSON.stringify(extra),
      );
    }
  });

  it('passport-azure-ad option rules kept: clockSkew an integer > 0, loggingLevel, B2C policy prefix; ignoreExpiration refused', () => {
    const base = { identityMetadata: `${idp.url}/.well-known/openid-configuration`, clientID: CLIENT };
    const verify: VerifyCallback = (t, done) => done(null, t);
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ clockSkew: 0 }, /clockSkew must be a positive integer/],
      [{ clockSkew: 1.5 }, /clockSkew must be a positive integer/],
      [{ loggingLevel: 'debug' }, /loggingLevel must be/],
      [{ isB2C: true, policyName: 'signupsignin' }, /policyName must start with B2C_1_/],
      [{ ignoreExpiration: true }, /ignoreExpiration is refused/],
    ];
    for (const [extra, message] of cases) {
      assert.throws(
        () => new BearerStrategy({ ...base, ...extra } as BearerStrategyOptions, verify),
        (e: unknown) =>
          e instanceof ConfigurationError && message.test(e.message) && !e.message.includes('\n'),
        JSON.stringify(extra),
      );
    }
    new BearerStrategy(
      { ...base, isB2C: true, policyName: 'B2C_1A_signin', clockSkew: 30 },
      verify,
    ).gatehouse.close();
  });

  it("default audience is passport-azure-ad's: the client id and spn:<client id>; tenantIdOrName fails loudly", async () => {
    const url = await serve({});
    assert.equal((await get(url, await token({ aud: `spn:${CLIENT}` }))).status, 200);
    assert.equal((await get(url, await token({ aud: 'spn:someone-else' }))).status, 401);

    const strategy = new BearerStrategy(
      { identityMetadata: `${idp.url}/.well-known/openid-configuration`, clientID: CLIENT },
      (t: JWTPayload, done: (e: unknown, u?: unknown, i?: unknown) => void) => done(null, {}, t),
    );
    const instance = newAuthenticator();
    instance.use(strategy);
    const app = express();
    app.use(instance.initialize());
    app.get(
      '/t',
      instance.authenticate('oauth-bearer', { session: false, tenantIdOrName: 'contoso' } as never),
      (_req, res) => {
        res.json({ reached: true });
      },
    );
    app.use(((err, _req, res, _next) => {
      res.status(500).json({ message: err.message });
    }) as express.ErrorRequestHandler);
    const server = await listen(createServer(app));
    servers.push(server);
    const res = await get(`${server.url}/t`, await token());
    assert.equal(res.status, 500);
    assert.match(((await res.json()) as { message: string }).message, /tenantIdOrName is refused/);
    strategy.gatehouse.close();
  });
});
