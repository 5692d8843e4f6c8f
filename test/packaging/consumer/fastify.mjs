// A Fastify server with the gatehouse-auth/fastify plugin.
import Fastify from 'fastify';
import { requireAppPermissions } from 'gatehouse-auth';
import { gatehouse } from 'gatehouse-auth/fastify';

const app = Fastify();
await app.register(gatehouse, { issuer: process.env.ISSUER, audience: process.env.AUDIENCE });
app.get(
  '/hello',
  { config: { gatehouse: { require: [requireAppPermissions(['ToDoList.ReadWrite.All'])] } } },
  async (request) => ({ hello: request.principal?.subject }),
);
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
console.log('listening');
