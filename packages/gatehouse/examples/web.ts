// Web-standard Request/Response handler (Hono or any Fetch-API framework on Node). Served here through @hono/node-server.
// Run: AUTH_ISSUER=... AUTH_AUDIENCE=... node examples/web.ts
import { serve } from '@hono/node-server';
import { createGatehouse, requireScopes } from 'gatehouse-auth';
import { authenticate } from 'gatehouse-auth/web';
import { Hono } from 'hono';

const gh = createGatehouse({
  issuer: process.env.AUTH_ISSUER ?? 'http://localhost:3001',
  audience: process.env.AUTH_AUDIENCE ?? 'api://todo',
});
gh.start();

const app = new Hono();
app.get('/hello', async (c) => {
  const auth = await authenticate(gh, c.req.raw, { require: [requireScopes(['ToDoList.Read'])] });
  if (auth.response) return auth.response;
  return c.json({ hello: auth.principal?.subject });
});

const server = serve(
  { fetch: app.fetch, port: Number(process.env.PORT ?? 8080), hostname: '127.0.0.1' },
  (info) => {
    console.log(`listening on http://127.0.0.1:${info.port}`);
  },
);
process.on('SIGTERM', () => server.close(() => gh.close()));
