// Not from a tutorial: Microsoft's MSAL Node web app and daemon tutorials call an ASP.NET Core API (ToDoListAPI) protected by
// Microsoft.Identity.Web, whose code they show only as excerpts. This is that API's authorization
// as a small gatehouse-auth Express server, CommonJS: GET /api/todolist carries the daemon tutorial's
// [RequiredScopeOrAppPermission] (scope ToDoList.Read or ToDoList.ReadWrite, or app permission
// ToDoList.Read.All or ToDoList.ReadWrite.All); POST /api/todolist the write ones only.
const express = require('express');
const { createGatehouse, requireScopeOrAppPermission } = require('gatehouse-auth');
const { authenticate, authorize } = require('gatehouse-auth/express');

const gh = createGatehouse({ issuer: process.env.ISSUER, audience: process.env.AUDIENCE });
gh.start();

const toDos = [];
const app = express();
app.use(express.json());
app.get(
  '/api/todolist',
  authenticate(gh),
  authorize(
    requireScopeOrAppPermission({
      scopes: ['ToDoList.Read', 'ToDoList.ReadWrite'],
      appPermissions: ['ToDoList.Read.All', 'ToDoList.ReadWrite.All'],
    }),
  ),
  (_req, res) => res.json(toDos),
);
app.post(
  '/api/todolist',
  authenticate(gh),
  authorize(
    requireScopeOrAppPermission({
      scopes: ['ToDoList.ReadWrite'],
      appPermissions: ['ToDoList.ReadWrite.All'],
    }),
  ),
  (req, res) => {
    const toDo = { id: toDos.length + 1, owner: req.principal.subject, description: req.body.description };
    toDos.push(toDo);
    res.status(201).json(toDo);
  },
);
app.listen(Number(process.env.PORT), '127.0.0.1', () => console.log('listening'));
