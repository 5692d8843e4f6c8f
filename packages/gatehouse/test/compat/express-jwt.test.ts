import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, describe, it } from 'node:test';
import express from 'express';
import { TestIssuer } from 'gatehouse-test-support/issuer';
import { expressJwtSecret, expressjwt, jwt, jwtAuthz } from '../../src/compat/express-jwt/index.ts';
import { ConfigurationError } from '../../src/index.ts';
import { listen, type RunningServer } from '../adapters/http-client.ts';

describe("gatehouse-auth/express-jwt: Auth0's Node.js API sample moves over by changing its imports", () => {
  let idp: TestIssuer;
  let server: RunningServer;
  const AUDIENCE = 'https://api.exampleco.com/timesheets';
  before(async () => {
    idp = await TestIssuer.start(['RS256']);
    // As Auth0's Node.js API sample writes it (express-jwt 5 era: claims on req.user).
    const checkJwt = jwt({
      secret: expressJwtSecret({
        cache: true,
        rateLimit: true,
        jwksRequestsPerMinute: 5,
        jwksUri: idp.jwksUri,
      }),
      audience: AUDIENCE,
      issuer: `${idp.url}/`,
      algorithms: ['RS256'],
      requestProperty: 'user',
    });
    const app = express();
    app.get('/timesheets', checkJwt, jwtAuthz(['read:timesheets']), (req, res) => {
      res.json({
        user: (req as unknown as { user: Record<string, unknown> }).user['https://api.exampleco.com/email'],
      });
    });
    app.post(
      '/timesheets',
      checkJwt,
      jwtAuthz(['create:timesheets'], { customScopeKey: 'permissions' }),
      (_req, res) => {
        res.status(201).json({});
      },
    );
    app.get(
      '/optional',
      expressjwt({
        secret: expressJwtSecret({ jwksUri: idp.jwksUri }),
        audience: AUDIENCE,
        issuer: `${idp.url}/`,
        credentialsRequired: false,
      }),
      (req, res) => {
        res.json({ auth: req.auth?.sub ?? null });
      },
    );
    server = await listen(createServer(app));
  });
  after(async () => {
    await server.close();
    await idp.close();
  });

  const token = (claims: Record<string, unknown>) =>
    idp.sign(
      {
        iss: `${idp.url}/`,
        aud: AUDIENCE,
        sub: 'auth0|1',
        'https://api.exampleco.com/email': 'a@example.com',
        ...claims,
      },
      { omit: ['scp', 'oid'] },
    );
  const call = (path: string, method: string, t?: string) =>
    fetch(`${server.url}${path}`, { method, headers: t ? { authorization: `Bearer ${t}` } : {} });

  it('a token with the scope reaches the route, claims on req.user', async () => {
    const res = await call('/timesheets', 'GET', await token({ scope: 'read:timesheets' }));
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { user: 'a@example.com' });
  });

  it('jwtAuthz: a missing scope is 403 insufficient_scope naming it; permissions via customScopeKey', async () => {
    const res = await call('/timesheets', 'GET', await token({ scope: 'create:timesheets' }));
    assert.equal(res.status, 403);
    assert.match(res.headers.get('www-authenticate') ?? '', /insufficient_scope.*scope="read:timesheets"/);
    assert.equal(
      (await call('/timesheets', 'POST', await token({ permissions: ['create:timesheets'] }))).status,
      201,
    );
    assert.equal(
      (await call('/timesheets', 'POST', await token({ scope: 'create:timesheets' }))).status,
      403,
    );
  });

  it('no token 401 with a bare challenge; a bad one 401 invalid_token (not an UnauthorizedError thrown to the app)', async () => {
    const none = await call('/timesheets', 'GET');
    assert.equal(none.status, 401);
    assert.equal(none.headers.get('www-authenticate'), 'Bearer realm="api"');
    const bad = await call('/timesheets', 'GET', await token({ aud: 'other' }));
    assert.equal(bad.status, 401);
    assert.match(bad.headers.get('www-authenticate') ?? '', /invalid_token/);
  });

  it('credentialsRequired: false lets anonymous callers through, never a bad token', async () => {
    assert.deepEqual(await (await call('/optional', 'GET')).json(), { auth: null });
    assert.deepEqual(await (await call('/optional', 'GET', await token({}))).json(), { auth: 'auth0|1' });
    assert.equal((await call('/optional', 'GET', await token({ aud: 'other' }))).status, 401);
  });

  it('refuses HMAC secrets and algorithms at start-up', () => {
    assert.throws(
      () =>
        expressjwt({
          secret: 'shhh' as unknown as ReturnType<typeof expressJwtSecret>,
          audience: 'a',
          issuer: 'https://x/',
        }),
      ConfigurationError,
    );
    assert.throws(
      () =>
        expressjwt({
          secret: expressJwtSecret({ jwksUri: idp.jwksUri }),
          audience: 'a',
          issuer: 'https://x/',
          algorithms: ['HS256' as 'RS256'],
        }),
      /only asymmetric algorithms/,
    );
  });
});
