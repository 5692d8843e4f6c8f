/**
 * restify's share of the common adapter vocabulary beyond `authenticate`: `authorize` after it,
 * and the RFC 9728 metadata handler. A file of its own, as every file importing restify (it patches
 * node's ServerResponse for the whole process).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TestIssuer } from 'gatehouse-test-support/issuer';
import restify from 'restify';
import { authenticate, authorize, serveResourceMetadata } from '../../src/adapters/restify.ts';
import { createGatehouse, type Gatehouse, requireScopes, resourceMetadataPath } from '../../src/index.ts';
import { header, listen, type RunningServer, send } from './http-client.ts';

/** The test issuer's `oid`, which the principal's subject is. */
const SUBJECT = '00000000-0000-0000-0000-0000000000a1';
const RESOURCE = 'https://api.example.com/tasks';

describe('gatehouse-auth/restify: authorize and serveResourceMetadata over real HTTP', () => {
  let issuer: TestIssuer;
  let gatehouse: Gatehouse;
  let server: RunningServer;
  before(async () => {
    issuer = await TestIssuer.start(['RS256']);
    gatehouse = createGatehouse({ issuer: issuer.url, audience: issuer.audience, realm: 'tasks' });
    const app = restify.createServer({ handleUncaughtExceptions: false });
    app.get(
      '/admin',
      authenticate(gatehouse),
      authorize(requireScopes(['Admin'])),
      (req: restify.Request, res: restify.Response, next: restify.Next) => {
        res.send({ subject: req.principal?.subject });
        next();
      },
    );
    app.get(resourceMetadataPath(RESOURCE), serveResourceMetadata(gatehouse, { resource: RESOURCE }));
    server = await listen(app.server);
  });
  after(async () => {
    await server?.close();
    gatehouse?.close();
    await issuer?.close();
  });

  it("authorize refuses a caller without the scope: 403 naming it, in the gatehouse's realm", async () => {
    const token = await issuer.sign();
    const reply = await send(server.url, '/admin', { headers: { authorization: `Bearer ${token}` } });
    assert.equal(reply.status, 403, reply.text);
    assert.equal(
      header(reply, 'www-authenticate'),
      'Bearer realm="tasks", error="insufficient_scope", error_description="The token does not grant the required scope or permission", scope="Admin"',
    );
    assert.equal((JSON.parse(reply.text) as { code: string }).code, 'ERR_INSUFFICIENT_SCOPE');
  });

  it('authorize lets a caller with the scope through', async () => {
    const token = await issuer.sign({ scp: 'Admin' });
    const reply = await send(server.url, '/admin', { headers: { authorization: `Bearer ${token}` } });
    assert.equal(reply.status, 200, reply.text);
    assert.deepEqual(JSON.parse(reply.text), { subject: SUBJECT });
  });

  it('serveResourceMetadata answers the document, public, naming the trusted issuer', async () => {
    const reply = await send(server.url, resourceMetadataPath(RESOURCE));
    assert.equal(reply.status, 200, reply.text);
    assert.match(header(reply, 'content-type') ?? '', /^application\/json/);
    assert.deepEqual(JSON.parse(reply.text), {
      resource: RESOURCE,
      authorization_servers: [issuer.url],
      bearer_methods_supported: ['header'],
    });
  });
});
