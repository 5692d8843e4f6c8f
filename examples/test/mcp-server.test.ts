import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { API_RESOURCE, type DevIdp, getUserToken } from 'gatehouse-dev-idp';
import { call, type RunningServer, startIdp, startServer } from './helpers.ts';

const INITIALIZE = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'test', version: '1' } },
};
const MCP_HEADERS = { accept: 'application/json, text/event-stream' };

describe('MCP server (Streamable HTTP, official SDK) protected by gatehouse-auth, against the dev IdP', () => {
  let idp: DevIdp;
  let server: RunningServer;
  let token: string;
  let metadataUrl: string;

  before(async () => {
    idp = await startIdp('entra');
    [server, token] = await Promise.all([
      startServer('mcp-server', { AUTH_ISSUER: idp.issuer, AUTH_AUDIENCE: API_RESOURCE }),
      getUserToken({ issuer: idp.issuer, user: 'alice', scope: 'ToDoList.Read' }).then((t) => t.accessToken),
    ]);
    metadataUrl = `${server.url}/.well-known/oauth-protected-resource/mcp`;
  });

  it('no token: 401 whose challenge names the protected-resource metadata (RFC 9728 §5.1)', async () => {
    const response = await call(`${server.url}/mcp`, {
      method: 'POST',
      json: INITIALIZE,
      headers: MCP_HEADERS,
    });
    assert.equal(response.status, 401, server.output());
    assert.equal(
      response.headers.get('www-authenticate'),
      `Bearer realm="api", resource_metadata="${metadataUrl}"`,
    );
  });

  it('an invalid token: 401 invalid_token, still naming the metadata', async () => {
    const response = await call(`${server.url}/mcp`, {
      method: 'POST',
      json: INITIALIZE,
      headers: MCP_HEADERS,
      token: `${token.slice(0, -4)}AAAA`,
    });
    assert.equal(response.status, 401);
    const challenge = response.headers.get('www-authenticate') ?? '';
    assert.ok(challenge.startsWith('Bearer realm="api", error="invalid_token"'), challenge);
    assert.ok(challenge.endsWith(`, resource_metadata="${metadataUrl}"`), challenge);
  });

  it('the metadata document names the dev IdP as the authorization server', async () => {
    const response = await call(metadataUrl);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
    assert.deepEqual(await response.json(), {
      resource: `${server.url}/mcp`,
      authorization_servers: [idp.issuer],
      scopes_supported: ['ToDoList.Read'],
      bearer_methods_supported: ['header'],
      resource_name: 'Gatehouse MCP example',
    });
  });

  it('a valid token: the SDK client initializes and calls a tool that sees the caller', async () => {
    const transport = new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), {
      requestInit: { headers: { authorization: `Bearer ${token}` } },
    });
    const client = new Client({ name: 'gatehouse-test', version: '1.0.0' });
    await client.connect(transport);
    try {
      assert.equal(client.getServerVersion()?.name, 'gatehouse-example');
      const result = await client.callTool({ name: 'whoami' });
      const [content] = result.content as Array<{ type: string; text: string }>;
      const caller = JSON.parse(content!.text) as { subject: string; issuer: string };
      assert.equal(caller.issuer, idp.issuer);
      assert.equal(typeof caller.subject, 'string');
      assert.ok(caller.subject.length > 0);
    } finally {
      await client.close();
    }
  });

  it('a token without the scope: 403 insufficient_scope', async () => {
    const other = await getUserToken({ issuer: idp.issuer, user: 'alice', scope: 'ToDoList.ReadWrite' });
    const response = await call(`${server.url}/mcp`, {
      method: 'POST',
      json: INITIALIZE,
      headers: MCP_HEADERS,
      token: other.accessToken,
    });
    assert.equal(response.status, 403);
    assert.match(
      response.headers.get('www-authenticate') ?? '',
      /error="insufficient_scope", .*scope="ToDoList.Read"/,
    );
  });
});
