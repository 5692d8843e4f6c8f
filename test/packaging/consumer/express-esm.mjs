// The library README's Express server, as a user writes it in an ES module project.
import express from 'express';
import { createGatehouse, requireAppPermissions } from 'gatehouse-auth';
import { authenticate, authorize } from 'gatehouse-auth/express';

const gh = createGatehouse({ issuer: process.env.ISSUER, audience: process.env.AUDIENCE });
gh.start();

const app = express();
app.get(
  '/hello',
  authenticate(gh),
  authorize(requireAppPermissions(['ToDoList.ReadWrite.All'])),
  (req, res) => res.json({ hello: req.principal?.subject }),
);
app.listen(Number(process.env.PORT), '127.0.0.1', () => console.log('listening'));
