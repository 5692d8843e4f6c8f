// Run: AUTH_ISSUER=https://idp.example.com/realms/demo AUTH_AUDIENCE=account node examples/node-http.ts
import { createServer } from 'node:http';
import { createGatehouse, requireScopes } from 'gatehouse-auth';
import { protect } from 'gatehouse-auth/node';

const gh = createGatehouse({
  issuer: process.env.AUTH_ISSUER ?? 'http://localhost:3001',
  audience: process.env.AUTH_AUDIENCE ?? 'api://todo',
});
gh.start();

const hello = protect(gh, { require: [requireScopes(['ToDoList.Read'])] }, (_req, res, principal) => {
  res
    .writeHead(200, { 'content-type': 'application/json' })
    .end(JSON.stringify({ hello: principal?.subject }));
});

const server = createServer(hello).listen(Number(process.env.PORT ?? 8080), '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${process.env.PORT ?? 8080}`);
});
process.on('SIGTERM', () => server.close(() => gh.close()));
