// Run: AUTH_ISSUER=https://login.microsoftonline.com/<tenant>/v2.0 AUTH_AUDIENCE=<api client id> node examples/fastify.ts
import Fastify from 'fastify';
import { requireScopes } from 'gatehouse-auth';
import { gatehouse } from 'gatehouse-auth/fastify';

const app = Fastify({ logger: true });
await app.register(gatehouse, {
  issuer: process.env.AUTH_ISSUER ?? 'http://localhost:3001',
  audience: process.env.AUTH_AUDIENCE ?? 'api://todo',
});

app.get(
  '/hello',
  { config: { gatehouse: { require: [requireScopes(['ToDoList.Read'])] } } },
  async (request) => ({
    hello: request.principal?.subject,
  }),
);
// Every route needs a token unless it says otherwise.
app.get('/health', { config: { gatehouse: { public: true } } }, async () => ({ status: 'ok' }));

await app.listen({ port: Number(process.env.PORT ?? 8080), host: '127.0.0.1' });
