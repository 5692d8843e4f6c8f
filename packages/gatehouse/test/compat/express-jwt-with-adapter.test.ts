/**
 * The express-jwt drop-in and the Express adapter mix on one route: both set `req.principal`, and
 * the later check (`authorize`, `jwtAuthz`) challenges in the realm of the middleware that
 * authenticated the request.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, describe, it } from 'node:test';
import express from 'express';
import { TestIssuer } from 'gatehouse-test-support/issuer';
import { authenticate, authorize } from '../../src/adapters/express.ts';
import { expressJwtSecret, expressjwt, jwtAuthz } from '../../src/compat/express-jwt/index.ts';
import { createGatehouse, type Gatehouse, requireScopes } from '../../src/index.ts';
import { header, listen, type RunningServer, send } from '../adapters/http-client.ts';

const AUDIENCE = 'https://api.exampleco.com/timesheets';
const INSUFFICIENT =
  'error="insufficient_scope", error_description="The token does not grant the required scope or permission"';

describe('gatehouse-auth/express-jwt beside gatehouse-auth/express', () => {
  let idp: TestIssuer;
  let gatehouse: Gatehouse;
  let server: RunningServer;
  before(async () => {
    idp = await TestIssuer.start(['RS256']);
    gatehouse = createGatehouse({ issuer: idp.url, audience: AUDIENCE, realm: 'timesheets' });
    const app = express();
    const checkJwt = expressjwt({
      secret: expressJwtSecret({ jwksUri: idp.jwksUri }),
      audience: AUDIENCE,
      issuer: idp.url,
    });
    const answer: express.RequestHandler = (req, res) => {
      res.json({ subject: req.principal?.subject });
    };
    app.get('/expressjwt-then-authorize', checkJwt, authorize(requireScopes(['write:timesheets'])), answer);
    app.get(
      '/authenticate-then-jwtauthz',
      authenticate(gatehouse),
      jwtAuthz(['write:timesheets'], {
        customUserKey: 'principal.claims',
        customScopeKey: 'scp',
      }),
      answer,
    );
    server = await listen(createServer(app));
  });
  after(async () => {
    await server?.close();
    gatehouse?.close();
    await idp?.close();
  });

  const bearer = async (claims: Record<string, unknown> = {}) => ({
    authorization: `Bearer ${await idp.sign({ aud: AUDIENCE, ...claims })}`,
  });

  it("the adapter's authorize after expressjwt refuses in the drop-in's realm", async () => {
    const reply = await send(server.url, '/expressjwt-then-authorize', { headers: await bearer() });
    assert.equal(reply.status, 403, reply.text);
    assert.equal(
      header(reply, 'www-authenticate'),
      `Bearer realm="api", ${INSUFFICIENT}, scope="write:timesheets"`,
    );
    assert.equal((JSON.parse(reply.text) as { code: string }).code, 'ERR_INSUFFICIENT_SCOPE');
  });

  it("the adapter's authorize after expressjwt sees the principal the drop-in set", async () => {
    const reply = await send(server.url, '/expressjwt-then-authorize', {
      headers: await bearer({ scp: 'write:timesheets' }),
    });
    assert.equal(reply.status, 200, reply.text);
    assert.deepEqual(JSON.parse(reply.text), { subject: '00000000-0000-0000-0000-0000000000a1' });
  });

  it("jwtAuthz after the adapter's authenticate refuses in the gatehouse's realm, with its own text", async () => {
    const reply = await send(server.url, '/authenticate-then-jwtauthz', { headers: await bearer() });
    assert.equal(reply.status, 403, reply.text);
    assert.equal(reply.text, 'Insufficient scope');
    assert.equal(
      header(reply, 'www-authenticate'),
      `Bearer realm="timesheets", ${INSUFFICIENT}, scope="write:timesheets"`,
    );
  });

  it("jwtAuthz after the adapter's authenticate passes a token with the scope", async () => {
    const reply = await send(server.url, '/authenticate-then-jwtauthz', {
      headers: await bearer({ scp: 'write:timesheets' }),
    });
    assert.equal(reply.status, 200, reply.text);
  });
});
