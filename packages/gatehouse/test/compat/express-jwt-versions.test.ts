import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import { after, before, describe, it } from 'node:test';
import express, { type ErrorRequestHandler, type Request, type RequestHandler } from 'express';
import { TestIssuer } from 'gatehouse-test-support/issuer';
import type { JWTPayload } from 'jose';
import {
  type DecodedToken,
  expressJwtSecret,
  expressjwt,
  jwt,
  jwtAuthz,
  UnauthorizedError,
} from '../../src/compat/express-jwt/index.ts';
import { ConfigurationError } from '../../src/index.ts';
import { listen, type RunningServer } from '../adapters/http-client.ts';

const AUDIENCE = 'https://api.exampleco.com/timesheets';

describe('gatehouse-auth/express-jwt: express-jwt 6 and 7+ shapes, option by option', () => {
  let idp: TestIssuer;
  let server: RunningServer;
  const jwksHeaders: IncomingMessage['headers'][] = [];
  const revokedJti = new Set(['revoked-1']);
  const seenByIsRevoked: DecodedToken[] = [];

  const secret = () => expressJwtSecret({ jwksUri: idp.jwksUri, cache: true, rateLimit: true });
  const base = () => ({
    secret: secret(),
    audience: AUDIENCE,
    issuer: [`${idp.url}/`, 'https://other.example/'],
  });

  // Reports what reached the application's error handler, as express-jwt users' handlers see it.
  const report: ErrorRequestHandler = (err, _req, res, _next) => {
    res.status(err.status ?? 500).json({
      name: err.name,
      code: err.code,
      status: err.status,
      message: err.message,
      inner: err.inner?.code ?? err.inner?.message,
      challenge: err.headers?.['www-authenticate'] ?? null,
    });
  };
  const echo =
    (read: (req: Request, res: express.Response) => unknown): RequestHandler =>
    (req, res) => {
      res.json({ claims: read(req, res) ?? null });
    };

  before(async () => {
    idp = await TestIssuer.start(['RS256']);
    idp.server.on('request', (req: IncomingMessage) => {
      if (req.url === '/jwks') jwksHeaders.push(req.headers);
    });
    const app = express();
    const v6 = jwt({
      ...base(),
      secret: expressJwtSecret({ jwksUri: idp.jwksUri, requestHeaders: { 'x-api-key': 'gateway-key' } }),
      algorithms: ['RS256'],
      isRevoked: (_req, payload, done) => {
        if (payload.jti === 'broken') return done(new Error('revocation store down'));
        done(null, revokedJti.has(String(payload.jti)));
      },
    });
    app.get(
      '/v6',
      v6,
      echo((req) => (req as Request & { user?: JWTPayload }).user?.sub),
      report,
    );
    app.get(
      '/v6/user-property',
      jwt({ ...base(), userProperty: 'caller.token' }),
      echo((req) => (req as Request & { caller?: { token?: JWTPayload } }).caller?.token?.sub),
      report,
    );
    app.get(
      '/v6/result-property',
      jwt({ ...base(), resultProperty: 'locals.user' }),
      echo((req, res) => [res.locals.user?.sub, (req as Request & { user?: unknown }).user ?? 'not on req']),
      report,
    );
    app.get(
      '/v6/query',
      jwt({
        ...base(),
        getToken: (req) => (typeof req.query.access_token === 'string' ? req.query.access_token : null),
      }),
      echo((req) => (req as Request & { user?: JWTPayload }).user?.sub),
      report,
    );
    app.get(
      '/v7',
      expressjwt({
        ...base(),
        algorithms: ['RS256'],
        isRevoked: async (_req, token) => {
          if (token) seenByIsRevoked.push(token);
          return revokedJti.has(String(token?.payload.jti));
        },
      }),
      echo((req) => [req.auth?.sub, (req as Request & { user?: unknown }).user ?? 'no req.user']),
      report,
    );
    app.get(
      '/v7/authz-all',
      expressjwt(base()),
      jwtAuthz(['read:timesheets', 'approve:timesheets'], { checkAllScopes: true, customUserKey: 'auth' }),
      echo((req) => req.auth?.sub),
    );
    app.get(
      '/v7/authz-error',
      expressjwt(base()),
      jwtAuthz(['read:timesheets'], { failWithError: true, customScopeKey: 'https://example.com/perms' }),
      echo((req) => req.auth?.sub),
      report,
    );
    // No error handler: Express's own answers, as in Auth0's Node.js API sample.
    app.get(
      '/default-handler',
      jwt(base()),
      echo((req) => (req as Request & { user?: JWTPayload }).user?.sub),
    );
    server = await listen(createServer(app));
  });
  after(async () => {
    await server.close();
    await idp.close();
  });

  const token = (claims: Record<string, unknown> = {}) =>
    idp.sign({ iss: `${idp.url}/`, aud: AUDIENCE, sub: 'auth0|7', ...claims }, { omit: ['scp', 'oid'] });
  const get = (path: string, authorization?: string) =>
    fetch(`${server.url}${path}`, { headers: authorization ? { authorization } : {} });
  const body = async (res: Response) => (await res.json()) as Record<string, unknown>;

  it('jwt(): claims on req.user; failures reach the error handler as UnauthorizedError with code, status, inner', async () => {
    const ok = await get('/v6', `Bearer ${await token({ jti: 'fine' })}`);
    assert.equal(ok.status, 200);
    assert.deepEqual(await body(ok), { claims: 'auth0|7' });

    const cases: [string | undefined, string][] = [
      [undefined, 'credentials_required'],
      ['Basic dXNlcjpwYXNz', 'credentials_bad_scheme'],
      ['Bearer', 'credentials_bad_format'],
      [`Bearer ${await token({ aud: 'someone-else' })}`, 'invalid_token'],
      [`Bearer ${await token({ exp: Math.floor(Date.now() / 1000) - 3600 })}`, 'invalid_token'],
      ['Bearer not.a.jwt', 'invalid_token'],
    ];
    for (const [authorization, code] of cases) {
      const res = await get('/v6', authorization);
      const err = await body(res);
      assert.equal(err.name, 'UnauthorizedError', String(authorization));
      assert.equal(err.code, code, String(authorization));
      assert.equal(err.status, res.status);
      assert.ok(res.status === 401 || res.status === 400, String(res.status));
      assert.match(String(err.challenge), /^Bearer realm="api"/);
      assert.match(String(err.inner), /^ERR_/);
    }
  });

  it('jwt(): isRevoked(req, payload, done) true is 401 revoked_token; its error reaches the handler as it is', async () => {
    const revoked = await get('/v6', `Bearer ${await token({ jti: 'revoked-1' })}`);
    assert.equal(revoked.status, 401);
    const err = await body(revoked);
    assert.equal(err.code, 'revoked_token');
    assert.equal(err.message, 'The token has been revoked.');
    assert.match(String(err.challenge), /error="invalid_token"/);

    const broken = await get('/v6', `Bearer ${await token({ jti: 'broken' })}`);
    assert.equal(broken.status, 500);
    assert.equal((await body(broken)).message, 'revocation store down');
  });

  it('expressjwt(): claims on req.auth only; async isRevoked(req, { header, payload }) is honoured', async () => {
    const ok = await get('/v7', `Bearer ${await token({ jti: 'fine-7' })}`);
    assert.deepEqual(await body(ok), { claims: ['auth0|7', 'no req.user'] });
    const seen = seenByIsRevoked.at(-1);
    assert.equal(seen?.header.alg, 'RS256');
    assert.equal(seen?.payload.jti, 'fine-7');

    const revoked = await get('/v7', `Bearer ${await token({ jti: 'revoked-1' })}`);
    assert.equal(revoked.status, 401);
    assert.equal((await body(revoked)).code, 'revoked_token');
  });

  it('userProperty / resultProperty / getToken keep express-jwt 6 meanings', async () => {
    const bearer = `Bearer ${await token()}`;
    assert.deepEqual(await body(await get('/v6/user-property', bearer)), { claims: 'auth0|7' });
    assert.deepEqual(await body(await get('/v6/result-property', bearer)), {
      claims: ['auth0|7', 'not on req'],
    });
    // getToken reads the query string here, so the query string becomes a token source.
    const viaQuery = await get(`/v6/query?access_token=${await token()}`);
    assert.deepEqual(await body(viaQuery), { claims: 'auth0|7' });
    const none = await get('/v6/query', bearer);
    assert.equal(none.status, 401);
    assert.equal((await body(none)).code, 'credentials_required');
  });

  it('with getToken, a bad token is invalid_token whatever the Authorization header looks like', async () => {
    const res = await get(`/v6/query?access_token=${await token({ aud: 'other' })}`, 'Bearer');
    assert.equal(res.status, 401);
    assert.equal((await body(res)).code, 'invalid_token');
  });

  it('jwks-rsa requestHeaders are sent with the key-set request', () => {
    assert.ok(jwksHeaders.some((h) => h['x-api-key'] === 'gateway-key'));
  });

  it('jwtAuthz: checkAllScopes needs every scope; failWithError passes a 403 to next(); default answers "Insufficient scope"', async () => {
    const both = await get(
      '/v7/authz-all',
      `Bearer ${await token({ scope: 'approve:timesheets read:timesheets' })}`,
    );
    assert.equal(both.status, 200);
    const one = await get('/v7/authz-all', `Bearer ${await token({ scope: 'read:timesheets' })}`);
    assert.equal(one.status, 403);
    assert.equal(await one.text(), 'Insufficient scope');
    assert.match(
      one.headers.get('www-authenticate') ?? '',
      /error="insufficient_scope".*scope="read:timesheets approve:timesheets"/,
    );
    // Exact, case-sensitive matching through the core policy.
    assert.equal(
      (await get('/v7/authz-all', `Bearer ${await token({ scope: 'Read:timesheets approve:timesheets' })}`))
        .status,
      403,
    );

    const namespaced = { 'https://example.com/perms': ['read:timesheets'] };
    assert.equal((await get('/v7/authz-error', `Bearer ${await token(namespaced)}`)).status, 200);
    const refused = await get('/v7/authz-error', `Bearer ${await token({ scope: 'read:timesheets' })}`);
    assert.equal(refused.status, 403);
    const err = await body(refused);
    assert.equal(err.message, 'Insufficient scope');
    assert.match(String(err.challenge), /insufficient_scope/);
  });

  it("with no error handler, Express's default answer carries the challenge and no stack frames or token text", async () => {
    const none = await get('/default-handler');
    assert.equal(none.status, 401);
    assert.equal(none.headers.get('www-authenticate'), 'Bearer realm="api"');
    const bad = await get('/default-handler', `Bearer ${await token({ aud: 'aud-from-the-token' })}`);
    assert.equal(bad.status, 401);
    assert.match(bad.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
    const text = await bad.text();
    assert.doesNotMatch(text, /\s+at\s|\.ts:\d+|aud-from-the-token/);
  });

  it('refuses, in one line naming it, every option it could not honour', () => {
    const refusals: [() => unknown, RegExp][] = [
      [() => jwt({ ...base(), onExpired: async () => {} } as never), /jwt onExpired is refused/],
      [() => expressjwt({ ...base(), maxAge: '1h' } as never), /expressjwt maxAge is not supported/],
      [() => expressjwt({ ...base(), ignoreExpiration: true } as never), /ignoreExpiration is refused/],
      [
        () => expressJwtSecret({ jwksUri: idp.jwksUri, fetcher: () => ({}) } as never),
        /fetcher is not supported/,
      ],
      [() => expressJwtSecret({ jwksUri: idp.jwksUri, requestAgent: {} } as never), /requestAgent/],
      [() => jwtAuthz(['a'], { customScopeKeys: 'x' } as never), /jwtAuthz customScopeKeys/],
      [() => jwtAuthz([]), /jwtAuthz scopes/],
      [() => jwt({ ...base(), audience: undefined } as never), /jwt audience is required/],
      // A v7 check under jwt() would never call done (the request would hang); a v6 callback
      // under expressjwt() would never say "revoked" (the check would silently stop).
      [
        () => jwt({ ...base(), isRevoked: (async () => false) as never }),
        /jwt isRevoked must be \(req, payload, done\)/,
      ],
      [
        () =>
          expressjwt({
            ...base(),
            isRevoked: ((_r: unknown, _p: unknown, done: () => void) => done()) as never,
          }),
        /expressjwt isRevoked takes \(req, payload, done\)/,
      ],
      [() => jwt({ ...base(), requestProperty: '__proto__.polluted' }), /requestProperty cannot be/],
    ];
    for (const [create, message] of refusals) {
      assert.throws(create, (error: unknown) => {
        assert.ok(error instanceof ConfigurationError);
        assert.match(error.message, message);
        assert.doesNotMatch(error.message, /\n/);
        return true;
      });
    }
    assert.ok(new UnauthorizedError('credentials_required', new Error('x')) instanceof Error);
  });
});

describe('gatehouse-auth/express-jwt: jwks-rsa options that change fetching, and an issuer that is down', () => {
  it('jwksRequestsPerMinute bounds unknown-kid refetches (60 a minute: one a second)', async () => {
    const idp = await TestIssuer.start(['RS256']);
    const app = express();
    app.get(
      '/r',
      expressjwt({
        secret: expressJwtSecret({ jwksUri: idp.jwksUri, rateLimit: true, jwksRequestsPerMinute: 60 }),
        audience: AUDIENCE,
        issuer: `${idp.url}/`,
      }),
      (_req, res) => {
        res.json({});
      },
    );
    const server = await listen(createServer(app));
    try {
      const sign = (kid?: string) =>
        idp.sign({ iss: `${idp.url}/`, aud: AUDIENCE, sub: 's' }, kid ? { kid } : {});
      const get = async (token: string) =>
        (await fetch(`${server.url}/r`, { headers: { authorization: `Bearer ${token}` } })).status;
      assert.equal(await get(await sign()), 200);
      const loaded = idp.fetches.jwks;
      await new Promise((resolve) => setTimeout(resolve, 1100));
      for (const kid of ['x1', 'x2', 'x3', 'x4']) assert.equal(await get(await sign(kid)), 401);
      assert.equal(idp.fetches.jwks - loaded, 1, 'one refetch within the second');
      await new Promise((resolve) => setTimeout(resolve, 1100));
      assert.equal(await get(await sign('x5')), 401);
      assert.equal(idp.fetches.jwks - loaded, 2, 'another once the second has passed');
    } finally {
      await server.close();
      await idp.close();
    }
  });

  it('keys that cannot be had reach the error handler as a 503 with Retry-After, not a 401', async () => {
    const idp = await TestIssuer.start(['RS256']);
    const token = await idp.sign({ iss: `${idp.url}/`, aud: AUDIENCE, sub: 's' });
    idp.outage = 'error-500';
    const app = express();
    app.get(
      '/r',
      jwt({
        secret: expressJwtSecret({ jwksUri: idp.jwksUri, timeout: 2000 }),
        audience: AUDIENCE,
        issuer: `${idp.url}/`,
      }),
      (_req, res) => {
        res.json({});
      },
    );
    const server = await listen(createServer(app));
    try {
      const res = await fetch(`${server.url}/r`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(res.status, 503);
      assert.ok(Number(res.headers.get('retry-after')) >= 1);
      const text = await res.text();
      assert.match(text, /GatehouseHttpError: Token signing keys are temporarily unavailable/);
      assert.ok(!text.includes(idp.url), 'no issuer URL in the answer');
    } finally {
      await server.close();
      await idp.close();
    }
  });
});
