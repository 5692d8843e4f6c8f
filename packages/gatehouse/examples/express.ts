// Run: AUTH_ISSUER=https://your-tenant.auth0.com/ AUTH_AUDIENCE=https://api.example.com node examples/express.ts
import express from 'express';
import { createGatehouse, requireScopes } from 'gatehouse-auth';
import { authenticate, authorize } from 'gatehouse-auth/express';

const gh = createGatehouse({
  issuer: process.env.AUTH_ISSUER ?? 'http://localhost:3001',
  audience: process.env.AUTH_AUDIENCE ?? 'api://todo',
});
gh.start();

const app = express();
app.get('/hello', authenticate(gh), authorize(requireScopes(['ToDoList.Read'])), (req, res) => {
  res.json({ hello: req.principal?.subject });
});

const server = app.listen(Number(process.env.PORT ?? 8080), '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${process.env.PORT ?? 8080}`);
});
process.on('SIGTERM', () => server.close(() => gh.close()));
