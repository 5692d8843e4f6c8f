/**
 * Every framework adapter speaks one vocabulary, so code moves between frameworks by changing its
 * import: the same names, doing the same job, in each framework's own shape. The README's adapter
 * table says the same in prose.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import Fastify from 'fastify';
import { TestIssuer } from 'gatehouse-test-support/issuer';
import * as express from '../../src/adapters/express.ts';
import * as fastify from '../../src/adapters/fastify.ts';
import * as node from '../../src/adapters/node-http.ts';
import * as restify from '../../src/adapters/restify.ts';
import * as web from '../../src/adapters/web.ts';
import { createGatehouse, type Gatehouse, InsufficientScopeError, requireScopes } from '../../src/index.ts';
import { header, type RunningServer, send } from './http-client.ts';

/** The test issuer's `oid`, which the principal's subject is. */
const SUBJECT = '00000000-0000-0000-0000-0000000000a1';

/** What every adapter exports, and the job each name does there. */
const COMMON_VOCABULARY = {
  authenticate:
    "verifies a request's token against a route's requirements and hands over the principal; a refusal is answered",
  sendError: "answers with the core's response to an error (Web: returns it as a Response)",
  serveResourceMetadata: 'serves the RFC 9728 protected-resource metadata document',
};

/**
 * Frameworks whose request carries the principal (`req.principal`) check further requirements with
 * `authorize(...requirements)`; those that hand it to a wrapped handler take `protect(gatehouse,
 * route, handler)`. Fastify does both: its `protect(route)` is a route hook.
 */
const ADAPTERS: Record<string, { module: Record<string, unknown>; source: string; also: string[] }> = {
  './express': { module: express, source: 'adapters/express', also: ['authorize'] },
  './fastify': { module: fastify, source: 'adapters/fastify', also: ['authorize', 'protect'] },
  './node': { module: node, source: 'adapters/node-http', also: ['protect'] },
  './restify': { module: restify, source: 'adapters/restify', also: ['authorize'] },
  './web': { module: web, source: 'adapters/web', also: ['protect'] },
};

const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  exports: Record<string, { default?: string }>;
};

describe('every adapter subpath exports the common vocabulary', () => {
  for (const [subpath, { module, source, also }] of Object.entries(ADAPTERS)) {
    it(`gatehouse-auth${subpath.slice(1)} is the ${source} module`, () => {
      assert.equal(manifest.exports[subpath]?.default, `./dist/${source}.js`);
    });
    for (const name of [...Object.keys(COMMON_VOCABULARY), ...also]) {
      it(`gatehouse-auth${subpath.slice(1)} exports ${name}`, () => {
        assert.equal(typeof module[name], 'function');
      });
    }
  }

  it('the Web adapter keeps its earlier names as the same functions', () => {
    assert.equal(web.authenticateRequest, web.authenticate);
    assert.equal(web.errorToResponse, web.sendError);
  });

  it("the Web adapter's sendError returns the answer the others write", async () => {
    const response = web.sendError(new InsufficientScopeError({ scope: ['write'] }), 'api');
    assert.equal(response.status, 403);
    assert.equal(
      response.headers.get('www-authenticate'),
      'Bearer realm="api", error="insufficient_scope", error_description="The token does not grant the required scope or permission", scope="write"',
    );
    assert.equal(((await response.json()) as { code: string }).code, 'ERR_INSUFFICIENT_SCOPE');
  });
});

describe('the Fastify adapter: authenticate from a handler, authorize as a route hook', () => {
  let issuer: TestIssuer;
  let gatehouse: Gatehouse;
  let server: RunningServer;
  before(async () => {
    issuer = await TestIssuer.start(['RS256']);
    gatehouse = createGatehouse({ issuer: issuer.url, audience: issuer.audience });
    const app = Fastify({ forceCloseConnections: true });
    await app.register(fastify.gatehouse, { gatehouse });
    // Public to the plugin: the handler asks for a token itself.
    app.get('/handler-decides', { config: { gatehouse: { public: true } } }, async (request, reply) => {
      const principal = await fastify.authenticate(request, reply, {
        require: [requireScopes(['ToDoList.ReadWrite'])],
      });
      if (principal === undefined) return reply;
      return { subject: principal?.subject, onRequest: request.principal?.subject };
    });
    app.get('/admin', { onRequest: fastify.authorize(requireScopes(['Admin'])) }, async (request) => ({
      subject: request.principal?.subject,
    }));
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as AddressInfo;
    server = { url: `http://127.0.0.1:${port}`, close: () => app.close() };
  });
  after(async () => {
    await server?.close();
    gatehouse?.close();
    await issuer?.close();
  });

  it('authenticate answers a caller without a token with 401 and the realm challenge', async () => {
    const reply = await send(server.url, '/handler-decides');
    assert.equal(reply.status, 401, reply.text);
    assert.equal(header(reply, 'www-authenticate'), 'Bearer realm="api"');
    assert.equal((JSON.parse(reply.text) as { code: string }).code, 'ERR_TOKEN_MISSING');
  });

  it('authenticate hands the principal to the handler and sets request.principal', async () => {
    const token = await issuer.sign();
    const reply = await send(server.url, '/handler-decides', {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(reply.status, 200, reply.text);
    assert.deepEqual(JSON.parse(reply.text), { subject: SUBJECT, onRequest: SUBJECT });
  });

  it("authenticate answers 403 naming the route's scope when the token lacks it", async () => {
    const token = await issuer.sign({ scp: 'ToDoList.Read' });
    const reply = await send(server.url, '/handler-decides', {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(reply.status, 403, reply.text);
    assert.match(
      header(reply, 'www-authenticate') ?? '',
      /error="insufficient_scope".*scope="ToDoList.ReadWrite"$/,
    );
  });

  it('authorize refuses an authenticated caller without the scope: 403 naming it', async () => {
    const token = await issuer.sign();
    const reply = await send(server.url, '/admin', { headers: { authorization: `Bearer ${token}` } });
    assert.equal(reply.status, 403, reply.text);
    assert.equal(
      header(reply, 'www-authenticate'),
      'Bearer realm="api", error="insufficient_scope", error_description="The token does not grant the required scope or permission", scope="Admin"',
    );
    assert.equal((JSON.parse(reply.text) as { code: string }).code, 'ERR_INSUFFICIENT_SCOPE');
  });

  it('authorize lets a caller with the scope through', async () => {
    const token = await issuer.sign({ scp: 'Admin' });
    const reply = await send(server.url, '/admin', { headers: { authorization: `Bearer ${token}` } });
    assert.equal(reply.status, 200, reply.text);
    assert.deepEqual(JSON.parse(reply.text), { subject: SUBJECT });
  });
});
