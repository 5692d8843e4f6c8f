/**
 * The RFC 9728 protected-resource metadata document, served by each adapter's handler over real
 * HTTP, at the RFC 9728 §3.1 path, naming the issuer the gatehouse trusts.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { getRequestListener } from '@hono/node-server';
import express from 'express';
import Fastify from 'fastify';
import { TestIssuer } from 'gatehouse-test-support/issuer';
import { serveResourceMetadata as expressMetadata } from '../../src/adapters/express.ts';
import {
  gatehouse as fastifyGatehouse,
  resourceMetadata as fastifyMetadata,
  serveResourceMetadata as fastifyMetadataHandler,
} from '../../src/adapters/fastify.ts';
import { serveResourceMetadata as nodeMetadata } from '../../src/adapters/node-http.ts';
import { serveResourceMetadata as webMetadata } from '../../src/adapters/web.ts';
import {
  createGatehouse,
  type Gatehouse,
  protectedResourceMetadata,
  resourceMetadataPath,
} from '../../src/index.ts';
import { header, listen, type RunningServer, send } from './http-client.ts';

const RESOURCE = 'https://api.example.com/mcp';
const PATH = '/.well-known/oauth-protected-resource/mcp';
const OPTIONS = { resource: RESOURCE, scopesSupported: ['ToDoList.Read'], resourceName: 'Example' };

describe('protected-resource metadata handlers over real HTTP', () => {
  let issuer: TestIssuer;
  let gatehouse: Gatehouse;
  before(async () => {
    issuer = await TestIssuer.start(['RS256']);
    gatehouse = createGatehouse({ issuer: issuer.url, audience: issuer.audience });
  });
  after(async () => {
    gatehouse?.close();
    await issuer?.close();
  });

  const servers: Array<[string, () => Promise<RunningServer>]> = [
    [
      'Fastify plugin',
      async () => {
        const app = Fastify({ forceCloseConnections: true });
        await app.register(fastifyGatehouse, { gatehouse });
        await app.register(fastifyMetadata, OPTIONS);
        await app.listen({ port: 0, host: '127.0.0.1' });
        const { port } = app.server.address() as AddressInfo;
        return { url: `http://127.0.0.1:${port}`, close: () => app.close() };
      },
    ],
    [
      'Fastify handler',
      async () => {
        const app = Fastify({ forceCloseConnections: true });
        await app.register(fastifyGatehouse, { gatehouse });
        app.get(
          resourceMetadataPath(RESOURCE),
          { config: { gatehouse: { public: true } } },
          fastifyMetadataHandler(gatehouse, OPTIONS),
        );
        await app.listen({ port: 0, host: '127.0.0.1' });
        const { port } = app.server.address() as AddressInfo;
        return { url: `http://127.0.0.1:${port}`, close: () => app.close() };
      },
    ],
    [
      'Express',
      async () => {
        const app = express();
        app.get(resourceMetadataPath(RESOURCE), expressMetadata(gatehouse, OPTIONS));
        return listen(createServer(app));
      },
    ],
    [
      'node:http',
      async () => {
        const handler = nodeMetadata(gatehouse, OPTIONS);
        return listen(
          createServer((req, res) => (req.url === PATH ? handler(req, res) : res.writeHead(404).end())),
        );
      },
    ],
    [
      'Web Request',
      async () => {
        const handler = webMetadata(gatehouse, OPTIONS);
        return listen(createServer(getRequestListener((request) => handler(request))));
      },
    ],
  ];

  for (const [name, start] of servers) {
    it(`${name}: the document at ${PATH}, public JSON naming the trusted issuer`, async () => {
      const server = await start();
      try {
        const reply = await send(server.url, PATH);
        assert.equal(reply.status, 200, reply.text);
        assert.match(header(reply, 'content-type') ?? '', /^application\/json/);
        assert.equal(header(reply, 'access-control-allow-origin'), '*');
        assert.deepEqual(JSON.parse(reply.text), {
          resource: RESOURCE,
          authorization_servers: [issuer.url],
          scopes_supported: ['ToDoList.Read'],
          bearer_methods_supported: ['header'],
          resource_name: 'Example',
        });
      } finally {
        await server.close();
      }
    });
  }
});

describe('RFC 9728 sender-constraint members: the document says what the challenges say', () => {
  let issuer: TestIssuer;
  before(async () => {
    issuer = await TestIssuer.start();
  });
  after(async () => {
    await issuer.close();
  });
  const documentFor = (
    dpop: Parameters<typeof createGatehouse>[0]['dpop'],
    certificateBoundTokens?: boolean,
  ) => {
    const gh = createGatehouse({ issuer: issuer.url, audience: issuer.audience, dpop });
    try {
      return protectedResourceMetadata(gh, {
        resource: RESOURCE,
        ...(certificateBoundTokens === undefined ? {} : { certificateBoundTokens }),
      });
    } finally {
      gh.close();
    }
  };
  const members = (document: object) =>
    Object.keys(document).filter((name) => name.startsWith('dpop_') || name.startsWith('tls_'));

  it('by default (DPoP allowed, quietly) it names no sender constraint, as the Bearer challenges do', () => {
    assert.deepEqual(members(documentFor(undefined)), []);
    assert.deepEqual(members(documentFor('off')), []);
  });

  it('with DPoP required it lists the proof algorithms and says DPoP-bound tokens are required', () => {
    const document = documentFor({ mode: 'required', algorithms: ['ES256', 'EdDSA'] });
    assert.deepEqual(document.dpop_signing_alg_values_supported, ['ES256', 'EdDSA']);
    assert.equal(document.dpop_bound_access_tokens_required, true);
  });

  it('with DPoP allowed and advertised it lists the algorithms and requires nothing', () => {
    const document = documentFor({ mode: 'allowed', advertise: true, algorithms: ['ES256'] });
    assert.deepEqual(document.dpop_signing_alg_values_supported, ['ES256']);
    assert.equal(document.dpop_bound_access_tokens_required, undefined);
  });

  it('says it takes certificate-bound tokens only when told, and refuses a non-boolean', () => {
    assert.equal(documentFor(undefined, true).tls_client_certificate_bound_access_tokens, true);
    assert.equal(documentFor(undefined, false).tls_client_certificate_bound_access_tokens, undefined);
    assert.throws(() => documentFor(undefined, 'yes' as unknown as boolean), {
      name: 'ConfigurationError',
      message: /certificateBoundTokens/,
    });
  });
});
