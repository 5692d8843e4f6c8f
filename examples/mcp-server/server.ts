/**
 * An MCP server (Streamable HTTP, the official TypeScript SDK) whose endpoint only answers callers
 * with a token from a trusted issuer. What the MCP authorization spec asks of the server is all
 * here: a 401 whose challenge names the protected-resource metadata (RFC 9728 §5.1), that
 * document naming the authorization server, and audience-checked bearer tokens.
 *
 *   AUTH_ISSUER=http://localhost:3001 AUTH_AUDIENCE=api://todo node examples/mcp-server/server.ts
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { createGatehouse, extractBearerToken, requireScopes, resourceMetadataUrl } from 'gatehouse-auth';
import { protect, serveResourceMetadata } from 'gatehouse-auth/node';

const port = Number(process.env.PORT ?? 3100);
const publicUrl = (process.env.PUBLIC_URL ?? `http://127.0.0.1:${port}`).replace(/\/+$/, '');
const resource = `${publicUrl}/mcp`;
const scopes = ['ToDoList.Read'];

const gatehouse = createGatehouse({
  issuer: process.env.AUTH_ISSUER ?? 'http://localhost:3001',
  audience: (process.env.AUTH_AUDIENCE ?? 'api://todo').split(','),
  resourceMetadata: resourceMetadataUrl(resource),
});
gatehouse.start();

/** A fresh server per request: stateless Streamable HTTP, nothing shared between callers. */
function mcpServer(): McpServer {
  const server = new McpServer({ name: 'gatehouse-example', version: '1.0.0' });
  server.registerTool('whoami', { description: 'Who the bearer token says is calling' }, async (extra) => ({
    content: [{ type: 'text', text: JSON.stringify(extra.authInfo?.extra ?? {}) }],
  }));
  return server;
}

const mcp = protect(gatehouse, { require: [requireScopes(scopes)] }, async (req, res, principal) => {
  // The SDK hands `req.auth` to tools as `extra.authInfo`.
  const request = req as IncomingMessage & { auth?: AuthInfo };
  request.auth = {
    token: extractBearerToken(req) ?? '',
    clientId: principal?.clientId ?? '',
    scopes: [...(principal?.scopes ?? [])],
    expiresAt: principal?.expiresAt,
    extra: { subject: principal?.subject, issuer: principal?.issuer },
  };
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
  const server = mcpServer();
  res.on('close', () => {
    void transport.close();
    void server.close();
  });
  await server.connect(transport);
  await transport.handleRequest(request, res);
});

const metadataPath = new URL(resourceMetadataUrl(resource)).pathname;
const metadata = serveResourceMetadata(gatehouse, {
  resource,
  scopesSupported: scopes,
  resourceName: 'Gatehouse MCP example',
});

createServer((req, res) => {
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  if (path === '/mcp') return mcp(req, res);
  if (path === metadataPath && req.method === 'GET') return metadata(req, res);
  res.writeHead(404).end();
}).listen(port, '127.0.0.1', () => console.log(`MCP endpoint on ${resource}`));
