/**
 * One behaviour suite, run unchanged against every adapter over real HTTP. The expectations are
 * exact (status, challenge text, problem code) so that adapters cannot drift apart.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { makeKey, type Outage, TestIssuer } from 'gatehouse-test-support/issuer';
import { createGatehouse, type Gatehouse, type ProblemDetails } from '../../src/index.ts';
import { unsigned, withSegment } from '../helpers/tokens.ts';
import { header, type RawReply, type Reply, type RunningServer, rawExchange, send } from './http-client.ts';
import type { MakeServer, PrincipalJson } from './servers.ts';

const SUBJECT = '00000000-0000-0000-0000-0000000000a1';
const BOTH_SCOPES = ['ToDoList.Read', 'ToDoList.ReadWrite'];
const REALM_ONLY = 'Bearer realm="api"';
const INSUFFICIENT =
  'error="insufficient_scope", error_description="The token does not grant the required scope or permission"';

function problem(reply: Reply, status: number, code?: string): ProblemDetails {
  assert.equal(reply.status, status, `expected ${status}, got ${reply.status}: ${reply.text}`);
  assert.match(header(reply, 'content-type') ?? '', /^application\/problem\+json(;|$)/);
  assert.equal(header(reply, 'cache-control'), 'no-store');
  const body = JSON.parse(reply.text) as ProblemDetails;
  assert.equal(body.status, status);
  assert.equal(typeof body.code, 'string');
  assert.equal(typeof body.detail, 'string');
  if (code !== undefined) assert.equal(body.code, code);
  return body;
}

/** Neither the challenge nor the body may echo the token, or name any URL or host. */
function assertNoLeak(reply: Reply, secret: string): void {
  const surface = `${header(reply, 'www-authenticate') ?? ''}\n${reply.text}`;
  assert.doesNotMatch(surface, /https?:|127\.0\.0\.1|localhost/i, 'no URL or host in the answer');
  const pieces = [secret, ...secret.split('.')].filter((piece) => piece.trim().length >= 8);
  for (const piece of pieces) assert.ok(!surface.includes(piece), `the answer echoes token text: ${surface}`);
}

function expectOk(reply: Reply, body: PrincipalJson): void {
  assert.equal(reply.status, 200, reply.text);
  assert.match(header(reply, 'content-type') ?? '', /^application\/json(;|$)/);
  assert.deepEqual(JSON.parse(reply.text), body);
}

function expectMissing(reply: Reply): void {
  problem(reply, 401, 'ERR_TOKEN_MISSING');
  assert.equal(header(reply, 'www-authenticate'), REALM_ONLY);
}

function expectInvalidToken(reply: Reply, token: string, code?: string): void {
  const body = problem(reply, 401, code);
  assert.match(body.code, /^ERR_TOKEN_/);
  assert.match(
    header(reply, 'www-authenticate') ?? '',
    /^Bearer realm="api", error="invalid_token", error_description="(?:[^"\\]|\\.)+"$/,
  );
  assertNoLeak(reply, token);
}

function expectInsufficientScope(reply: Reply, scope: string): void {
  problem(reply, 403, 'ERR_INSUFFICIENT_SCOPE');
  assert.equal(header(reply, 'www-authenticate'), `Bearer realm="api", ${INSUFFICIENT}, scope="${scope}"`);
}

function bearer(token: string): { authorization: string } {
  return { authorization: `Bearer ${token}` };
}

async function waitFor(condition: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

export function runAdapterBehaviour(name: string, makeServer: MakeServer): void {
  describe(`${name} adapter: shared behaviour over real HTTP`, () => {
    let issuer: TestIssuer;
    let gatehouse: Gatehouse;
    let server: RunningServer;
    let url: string;
    let token: string;
    const user: PrincipalJson = { subject: SUBJECT, isApp: false, scopes: BOTH_SCOPES };
    const get = (path: string, headers: Record<string, string | string[]> = {}) =>
      send(url, path, { headers });

    before(async () => {
      issuer = await TestIssuer.start(['RS256', 'ES256', 'EdDSA']);
      gatehouse = createGatehouse({ issuer: issuer.url, audience: issuer.audience });
      gatehouse.start();
      server = await makeServer(gatehouse);
      url = server.url;
      token = await issuer.sign();
    });
    after(async () => {
      await server?.close();
      gatehouse?.close();
      await issuer?.close();
    });

    describe('valid tokens', () => {
      it('public route needs no token', async () => {
        const reply = await get('/public');
        assert.equal(reply.status, 200);
        assert.deepEqual(JSON.parse(reply.text), { public: true });
      });

      for (const alg of ['RS256', 'ES256', 'EdDSA'] as const) {
        it(`a valid ${alg} token reaches /read and /write with its principal`, async () => {
          const t = await issuer.sign({}, { alg });
          expectOk(await get('/read', bearer(t)), user);
          expectOk(await get('/write', bearer(t)), user);
        });
      }

      it('the scheme is case-insensitive (bearer, BEARER, BeArEr) and extra spaces are tolerated', async () => {
        for (const value of [`bearer ${token}`, `BEARER ${token}`, `BeArEr ${token}`, `Bearer   ${token}`]) {
          expectOk(await get('/read', { authorization: value }), user);
        }
      });

      it('a token with only ToDoList.Read reads but cannot write', async () => {
        const t = await issuer.sign({ scp: 'ToDoList.Read' });
        expectOk(await get('/read', bearer(t)), {
          subject: SUBJECT,
          isApp: false,
          scopes: ['ToDoList.Read'],
        });
        expectInsufficientScope(await get('/write', bearer(t)), 'ToDoList.ReadWrite');
      });

      it('a token answered from the verified-token cache gets the same answers: 200 where its scope suffices, 403 where not', async () => {
        const t = await issuer.sign({ scp: 'ToDoList.Read', jti: randomBytes(8).toString('hex') });
        const readOnly = { subject: SUBJECT, isApp: false, scopes: ['ToDoList.Read'] };
        const hitsBefore = gatehouse.cacheStats()!.hits;
        for (let i = 0; i < 4; i++) {
          expectOk(await get('/read', bearer(t)), readOnly);
          expectInsufficientScope(await get('/write', bearer(t)), 'ToDoList.ReadWrite');
        }
        // Admitted on its second verification, so most of these were cache hits.
        assert.ok(gatehouse.cacheStats()!.hits >= hitsBefore + 5, JSON.stringify(gatehouse.cacheStats()));
        assert.equal(gatehouse.cached({ headers: bearer(t) })?.subject, SUBJECT);
      });
    });

    describe('no token, or a token somewhere else than the Authorization header', () => {
      it('no Authorization header: 401 with a bare challenge', async () => {
        expectMissing(await get('/read'));
        expectMissing(await get('/write'));
        expectMissing(await get('/claim'));
      });

      it('another scheme (Basic, Digest, a token without scheme) counts as no token', async () => {
        for (const value of [
          'Basic dXNlcjpwYXNz',
          'Digest username="a"',
          token,
          `Token ${token}`,
          `Bearer_${token}`,
        ]) {
          const reply = await get('/read', { authorization: value });
          expectMissing(reply);
          assertNoLeak(reply, token);
        }
      });

      it('a token in the query string is ignored', async () => {
        expectMissing(await get(`/read?access_token=${token}`));
      });

      it('a token in a form or JSON body is ignored', async () => {
        const form = await send(url, '/read', {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: `access_token=${token}`,
        });
        expectMissing(form);
        const json = await send(url, '/read', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ access_token: token }),
        });
        expectMissing(json);
        // The same route accepts the token where it belongs.
        expectOk(await send(url, '/read', { method: 'POST', headers: bearer(token) }), user);
      });
    });

    describe('anything in the Bearer slot that is not a valid token: 401 invalid_token', () => {
      const cases: Array<[string, () => Promise<string>]> = [
        ['not a JWT', async () => 'not-a-jwt-at-all'],
        ['random base64', async () => randomBytes(48).toString('base64')],
        [
          'random JWT-shaped',
          async () => [24, 64, 32].map((n) => randomBytes(n).toString('base64url')).join('.'),
        ],
        ['two segments', async () => token.split('.').slice(0, 2).join('.')],
        [
          'expired',
          async () => {
            const now = Math.floor(Date.now() / 1000);
            return issuer.sign({ exp: now - 600, iat: now - 4000, nbf: now - 4000 });
          },
        ],
        ['not yet valid', async () => issuer.sign({ nbf: Math.floor(Date.now() / 1000) + 3600 })],
        ['without exp', async () => issuer.sign({}, { omit: ['exp'] })],
        ['wrong audience', async () => issuer.sign({ aud: 'api://other' })],
        ['wrong issuer', async () => issuer.sign({ iss: 'https://evil.example' })],
        ['bad signature', async () => withSegment(token, 2, `${token.split('.')[2]!.slice(0, -6)}AAAAAA`)],
        [
          'tampered payload',
          async () => withSegment(token, 1, (await issuer.sign({ scp: 'admin' })).split('.')[1]!),
        ],
        ['alg none', async () => unsigned({ alg: 'none', typ: 'JWT' }, issuer.claims())],
        [
          'alg none with a signature',
          async () => unsigned({ alg: 'none', kid: issuer.key().kid }, issuer.claims(), 'AAAA'),
        ],
        [
          'attacker key with a real kid',
          async () => issuer.sign({}, { key: await makeKey('ES256', issuer.key('ES256').kid) }),
        ],
        [
          'attacker key in the jwk header',
          async () => {
            const attacker = await makeKey('RS256', issuer.key('RS256').kid);
            return issuer.sign({}, { key: attacker, header: { jwk: attacker.publicJwk } });
          },
        ],
        ['id token typ', async () => issuer.sign({}, { header: { typ: 'id+jwt' } })],
      ];
      for (const [label, make] of cases) {
        it(label, async () => {
          const bad = await make();
          expectInvalidToken(await get('/read', bearer(bad)), bad);
        });
      }

      it('an empty Bearer slot: "Bearer" and "Bearer   "', async () => {
        expectInvalidToken(await get('/read', { authorization: 'Bearer' }), '');
        expectInvalidToken(await get('/read', { authorization: 'Bearer   ' }), '');
      });

      it('a token with inner spaces or two tokens', async () => {
        expectInvalidToken(await get('/read', { authorization: `Bearer ${token} ${token}` }), token);
        expectInvalidToken(
          await get('/read', { authorization: `Bearer ${token.replace('.', ' . ')}` }),
          token,
        );
      });

      it('says why in stable words: an expired token', async () => {
        const now = Math.floor(Date.now() / 1000);
        const expired = await issuer.sign({ exp: now - 600, iat: now - 4000, nbf: now - 4000 });
        const reply = await get('/read', bearer(expired));
        expectInvalidToken(reply, expired, 'ERR_TOKEN_EXPIRED');
        assert.equal(
          header(reply, 'www-authenticate'),
          'Bearer realm="api", error="invalid_token", error_description="The token has expired"',
        );
      });
    });

    it('error_description holds only the characters RFC 6750 §3 allows (no " or \\)', async () => {
      const rfc6750 = /error_description="([\x20\x21\x23-\x5B\x5D-\x7E]*)"/;
      const failures = [
        await get('/read', bearer(await issuer.sign({}, { omit: ['exp'] }))),
        await get('/read', bearer(await issuer.sign({}, { omit: ['oid', 'sub'] }))),
        await get('/read', bearer(await issuer.sign({ iat: 'yesterday' }))),
        await get('/claim', bearer(await issuer.sign({ tid: 'other' }))),
      ];
      for (const reply of failures) {
        assert.match(
          header(reply, 'www-authenticate') ?? '',
          rfc6750,
          `${reply.status}: ${header(reply, 'www-authenticate')}`,
        );
      }
    });

    describe('malformed requests', () => {
      it('two Authorization headers: 400 invalid_request', async () => {
        for (const pair of [
          [`Bearer ${token}`, `Bearer ${token}`],
          [`Bearer ${token}`, 'Basic dXNlcjpwYXNz'],
          ['Basic dXNlcjpwYXNz', `Bearer ${token}`],
        ]) {
          const reply = await get('/read', { authorization: pair });
          problem(reply, 400, 'ERR_REQUEST_INVALID');
          assert.match(
            header(reply, 'www-authenticate') ?? '',
            /^Bearer realm="api", error="invalid_request"/,
          );
          assertNoLeak(reply, token);
        }
      });

      it('two Authorization headers with different casing on a raw socket: 400', async () => {
        const reply = await rawExchange(
          url,
          `GET /optional HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nAUTHORIZATION: Bearer ${token}\r\nConnection: close\r\n\r\n`,
        );
        assert.equal(reply.status, 400, reply.raw);
        assert.match(reply.raw, /error="invalid_request"/);
      });
    });

    describe('authorization', () => {
      it('scope matching is exact and case-sensitive', async () => {
        for (const scp of [
          'ToDoList.ReadX',
          'todolist.read',
          'TODOLIST.READWRITE',
          'ToDoList.Read.All',
          ' ',
          'ToDoList',
        ]) {
          const t = await issuer.sign({ scp });
          expectInsufficientScope(await get('/read', bearer(t)), 'ToDoList.Read ToDoList.ReadWrite');
        }
        const readX = await issuer.sign({ scp: 'ToDoList.ReadWriteX todolist.readwrite' });
        expectInsufficientScope(await get('/write', bearer(readX)), 'ToDoList.ReadWrite');
      });

      it('an app token (roles, idtyp app, no scp) reads but cannot write', async () => {
        const app = await issuer.sign({ roles: ['ToDoList.Read.All'], idtyp: 'app' }, { omit: ['scp'] });
        expectOk(await get('/read', bearer(app)), { subject: SUBJECT, isApp: true, scopes: [] });
        expectInsufficientScope(await get('/write', bearer(app)), 'ToDoList.ReadWrite');
      });

      it('an app permission is matched exactly too', async () => {
        const app = await issuer.sign(
          { roles: ['todolist.read.all', 'ToDoList.Read'], idtyp: 'app' },
          { omit: ['scp'] },
        );
        expectInsufficientScope(await get('/read', bearer(app)), 'ToDoList.Read.All');
      });

      it('a claim requirement: the right tid passes, another tid is 403', async () => {
        expectOk(await get('/claim', bearer(token)), user);
        for (const tid of ['00000000-0000-0000-0000-00000000000T', 'other-tenant']) {
          const reply = await get('/claim', bearer(await issuer.sign({ tid })));
          problem(reply, 403, 'ERR_FORBIDDEN');
          assert.match(
            header(reply, 'www-authenticate') ?? '',
            /^Bearer realm="api", error="insufficient_scope"/,
          );
          assertNoLeak(reply, '');
        }
        const none = await issuer.sign({}, { omit: ['tid'] });
        problem(await get('/claim', bearer(none)), 403, 'ERR_FORBIDDEN');
      });
    });

    describe('tokens with neither scopes nor app permissions (secure by default)', () => {
      const NO_GRANTS =
        'Bearer realm="api", error="insufficient_scope", error_description="The token grants no scope or app permission"';
      const scopeless = () => issuer.sign({}, { omit: ['scp'] });

      it('a token without scp or roles is 403 insufficient_scope on a route with no requirement', async () => {
        const t = await scopeless();
        const reply = await get('/authenticated', bearer(t));
        problem(reply, 403, 'ERR_INSUFFICIENT_SCOPE');
        assert.equal(header(reply, 'www-authenticate'), NO_GRANTS);
        assertNoLeak(reply, t);
      });

      it('an empty scp or roles counts as none', async () => {
        for (const claims of [{ scp: '' }, { scp: [] }, { scp: ' ', roles: [] }]) {
          const reply = await get('/authenticated', bearer(await issuer.sign(claims)));
          problem(reply, 403, 'ERR_INSUFFICIENT_SCOPE');
        }
      });

      it('a claim-only requirement does not let a token without scopes or roles through', async () => {
        const reply = await get('/claim', bearer(await scopeless()));
        problem(reply, 403, 'ERR_INSUFFICIENT_SCOPE');
        assert.equal(header(reply, 'www-authenticate'), NO_GRANTS);
      });

      it('on a scope-protected route the answer still names the scope to ask for', async () => {
        expectInsufficientScope(
          await get('/read', bearer(await scopeless())),
          'ToDoList.Read ToDoList.ReadWrite',
        );
      });

      it('on an optional route a token without scopes or roles is refused, anonymous still passes', async () => {
        problem(await get('/optional', bearer(await scopeless())), 403, 'ERR_INSUFFICIENT_SCOPE');
        expectOk(await get('/optional'), { anonymous: true });
      });

      it('any scope, or app permissions alone, satisfy a route with no requirement', async () => {
        expectOk(await get('/authenticated', bearer(await issuer.sign({ scp: 'openid' }))), {
          subject: SUBJECT,
          isApp: false,
          scopes: ['openid'],
        });
        // Shaped as Entra's app-only tokens are: roles, no scp, and `sub` equal to `oid`.
        const app = await issuer.sign({ roles: ['Anything.All'], sub: SUBJECT }, { omit: ['scp'] });
        expectOk(await get('/authenticated', bearer(app)), { subject: SUBJECT, isApp: true, scopes: [] });
      });

      it('allowTokensWithoutScopes: the route accepts such a token, and still applies its requirement', async () => {
        const t = await scopeless();
        expectOk(await get('/acl', bearer(t)), { subject: SUBJECT, isApp: false, scopes: [] });
        problem(
          await get('/acl', bearer(await issuer.sign({ tid: 'other' }, { omit: ['scp'] }))),
          403,
          'ERR_FORBIDDEN',
        );
        expectMissing(await get('/acl'));
      });
    });

    describe('challenges that tell the client what to do next', () => {
      const now = () => Math.floor(Date.now() / 1000);
      const STEP_UP =
        'Bearer realm="api", error="insufficient_user_authentication", ' +
        'error_description="A different authentication level is required", acr_values="mfa phr", max_age="300"';
      const RECENT =
        'Bearer realm="api", error="insufficient_user_authentication", ' +
        'error_description="More recent authentication is required", acr_values="mfa phr", max_age="300"';

      it('RFC 9470 step-up: the right acr signed in recently passes', async () => {
        for (const acr of ['mfa', 'phr']) {
          expectOk(await get('/step-up', bearer(await issuer.sign({ acr, auth_time: now() - 10 }))), user);
        }
      });

      it('RFC 9470 step-up: another acr, or none, is 401 insufficient_user_authentication with acr_values and max_age', async () => {
        for (const claims of [{ acr: 'pwd' }, { acr: 'MFA' }, {}]) {
          const reply = await get(
            '/step-up',
            bearer(await issuer.sign({ ...claims, auth_time: now() - 10 })),
          );
          problem(reply, 401, 'ERR_INSUFFICIENT_USER_AUTHENTICATION');
          assert.equal(header(reply, 'www-authenticate'), STEP_UP);
        }
      });

      it('RFC 9470 step-up: an authentication older than max_age, or of unknown age, is 401 asking for a recent one', async () => {
        for (const auth_time of [now() - 301 - 5, undefined]) {
          const t = await issuer.sign(auth_time === undefined ? { acr: 'mfa' } : { acr: 'mfa', auth_time });
          const reply = await get('/step-up', bearer(t));
          problem(reply, 401, 'ERR_INSUFFICIENT_USER_AUTHENTICATION');
          assert.equal(header(reply, 'www-authenticate'), RECENT);
        }
      });

      it('claims challenge: a cp1 client without the authentication context gets 401 insufficient_claims with the base64 claims request', async () => {
        const t = await issuer.sign({ xms_cc: ['cp1'] });
        const reply = await get('/auth-context', bearer(t));
        problem(reply, 401, 'ERR_INSUFFICIENT_CLAIMS');
        const claims = Buffer.from('{"access_token":{"acrs":{"essential":true,"value":"c1"}}}').toString(
          'base64',
        );
        assert.equal(
          header(reply, 'www-authenticate'),
          `Bearer realm="api", error="insufficient_claims", claims="${claims}"`,
        );
        expectOk(
          await get('/auth-context', bearer(await issuer.sign({ xms_cc: ['cp1'], acrs: ['c1'] }))),
          user,
        );
      });

      it('claims challenge: a client without cp1 gets a plain 403, no claims', async () => {
        for (const claims of [{}, { xms_cc: ['cp2'] }, { xms_cc: 'CP1' }]) {
          const reply = await get('/auth-context', bearer(await issuer.sign(claims)));
          problem(reply, 403, 'ERR_FORBIDDEN');
          assert.equal(
            header(reply, 'www-authenticate'),
            'Bearer realm="api", error="insufficient_scope", ' +
              `error_description="The token does not meet this resource's authentication requirement"`,
          );
        }
      });

      it('RFC 9728 §5.1: with resourceMetadata set, 401 and 403 challenges carry resource_metadata', async () => {
        const metadata = 'https://api.example.com/.well-known/oauth-protected-resource';
        const gh = createGatehouse({
          issuer: issuer.url,
          audience: issuer.audience,
          resourceMetadata: metadata,
        });
        gh.start();
        const srv = await makeServer(gh);
        try {
          const rm = `resource_metadata="${metadata}"`;
          const missing = await send(srv.url, '/read');
          problem(missing, 401, 'ERR_TOKEN_MISSING');
          assert.equal(header(missing, 'www-authenticate'), `Bearer realm="api", ${rm}`);
          const expired = await issuer.sign({ exp: now() - 600, iat: now() - 4000, nbf: now() - 4000 });
          assert.equal(
            header(await send(srv.url, '/read', { headers: bearer(expired) }), 'www-authenticate'),
            `Bearer realm="api", error="invalid_token", error_description="The token has expired", ${rm}`,
          );
          const readOnly = await issuer.sign({ scp: 'ToDoList.Read' });
          const forbidden = await send(srv.url, '/write', { headers: bearer(readOnly) });
          problem(forbidden, 403, 'ERR_INSUFFICIENT_SCOPE');
          assert.equal(
            header(forbidden, 'www-authenticate'),
            `Bearer realm="api", ${INSUFFICIENT}, scope="ToDoList.ReadWrite", ${rm}`,
          );
          const stepUp = await send(srv.url, '/step-up', {
            headers: bearer(await issuer.sign({ acr: 'pwd' })),
          });
          assert.equal(
            header(stepUp, 'www-authenticate'),
            'Bearer realm="api", error="insufficient_user_authentication", ' +
              `error_description="A different authentication level is required", acr_values="mfa phr", max_age="300", ${rm}`,
          );
          // A malformed request is no authentication challenge to follow up.
          const two: Record<string, string[]> = { authorization: ['Basic a', 'Basic b'] };
          const twice = await send(srv.url, '/read', { headers: two });
          problem(twice, 400, 'ERR_REQUEST_INVALID');
          assert.doesNotMatch(header(twice, 'www-authenticate') ?? '', /resource_metadata/);
          expectOk(await send(srv.url, '/read', { headers: bearer(token) }), user);
        } finally {
          await srv.close();
          gh.close();
        }
      });
    });

    describe('optional authentication', () => {
      it('no token, or another scheme: 200 anonymous', async () => {
        expectOk(await get('/optional'), { anonymous: true });
        expectOk(await get('/optional', { authorization: 'Basic dXNlcjpwYXNz' }), { anonymous: true });
      });

      it('a valid token: the caller', async () => {
        expectOk(await get('/optional', bearer(token)), user);
      });

      it('an invalid token is 401, never anonymous', async () => {
        for (const bad of [
          'garbage',
          withSegment(token, 2, 'AAAA'),
          unsigned({ alg: 'none' }, issuer.claims()),
        ]) {
          expectInvalidToken(await get('/optional', bearer(bad)), bad);
        }
        expectInvalidToken(await get('/optional', { authorization: 'Bearer' }), '');
      });

      it('two Authorization headers are 400, never anonymous', async () => {
        problem(
          await get('/optional', { authorization: ['Basic a', 'Basic b'] }),
          400,
          'ERR_REQUEST_INVALID',
        );
      });
    });

    describe('oversized headers', () => {
      it('a 15 KB JWT-shaped token is 401 invalid_token', async () => {
        const big = `${'a'.repeat(5000)}.${'b'.repeat(5000)}.${'c'.repeat(5000)}`;
        expectInvalidToken(await get('/read', bearer(big)), big);
      });

      it('a 20 KB Authorization header: 401 invalid_token or 431, never 5xx', async () => {
        const big = 'a'.repeat(20 * 1024);
        const reply = await get('/read', bearer(big));
        assert.ok(reply.status === 431 || reply.status === 401, `status ${reply.status}`);
        if (reply.status === 401) expectInvalidToken(reply, big);
      });

      it('a 100 KB Authorization header: the HTTP server refuses it, and keeps serving', async () => {
        const big = 'a'.repeat(100 * 1024);
        const reply: RawReply = await rawExchange(
          url,
          `GET /read HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${big}\r\nConnection: close\r\n\r\n`,
        );
        // Node answers 431 and closes; the client may see the reset before the status line.
        if (reply.status !== undefined) assert.ok(reply.status === 431 || reply.status === 400, reply.raw);
        else assert.ok(reply.error === 'ECONNRESET' || reply.error === 'EPIPE', `no answer: ${reply.error}`);
        const after = await get('/public');
        assert.equal(after.status, 200);
        expectOk(await get('/read', bearer(token)), user);
      });
    });

    describe('issuer outages', () => {
      for (const outage of ['error-500', 'reset', 'hang'] as const satisfies readonly Outage[]) {
        it(`issuer down from the start (${outage}): 503 + Retry-After, then recovery`, async () => {
          const down = await TestIssuer.start(['RS256']);
          down.outage = outage;
          const gh = createGatehouse({
            issuer: down.url,
            audience: down.audience,
            keys: { retryInterval: 200, timeout: 500 },
          });
          gh.start();
          const srv = await makeServer(gh);
          try {
            const t = await down.sign();
            for (const path of ['/read', '/optional']) {
              const reply = await send(srv.url, path, { headers: bearer(t) });
              problem(reply, 503, 'ERR_KEYS_UNAVAILABLE');
              assert.match(header(reply, 'retry-after') ?? '', /^[1-9]\d*$/);
              assert.equal(
                header(reply, 'www-authenticate'),
                undefined,
                '503 is no authentication challenge',
              );
              assertNoLeak(reply, t);
            }
            // What needs no keys is still answered as usual.
            assert.equal((await send(srv.url, '/public')).status, 200);
            expectMissing(await send(srv.url, '/read'));
            expectOk(await send(srv.url, '/optional'), { anonymous: true });
            expectInvalidToken(await send(srv.url, '/read', { headers: bearer('garbage') }), 'garbage');

            down.outage = false;
            down.releaseHung();
            // The background retry loads the keys without any request's help.
            await waitFor(() => gh.ready, 5000);
            expectOk(await send(srv.url, '/read', { headers: bearer(t) }), user);
          } finally {
            await srv.close();
            gh.close();
            await down.close();
          }
        });
      }
    });
  });
}
