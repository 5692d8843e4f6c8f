/**
 * The to-do cases: a seeded SQLite store, and a minimal Fastify app around the to-do API's own
 * `/api/todos` routes (`gatehouse-todo-api/routes/todos`), with Gatehouse or with a fixed caller.
 * `buildApp` cannot switch authentication off, so the "auth off" row is this minimal app; the
 * full-app row (buildApp, Gatehouse) shows what the app's other hooks add.
 */
import { rm } from 'node:fs/promises';
import Fastify, { type FastifyInstance } from 'fastify';
import { defaultClaimMapping, type Gatehouse, type Principal } from 'gatehouse-auth';
import gatehousePlugin from 'gatehouse-auth/fastify';
import { TODOS_PATH, todoRoutes } from 'gatehouse-todo-api/routes/todos';
import { problemSchema, todoSchema } from 'gatehouse-todo-api/schemas';
import { SqliteTodoStore } from 'gatehouse-todo-api/store/sqlite';
import type { JWTPayload } from 'jose';
import type { TodoConfig } from '../lib/protocol.ts';

export { TODOS_PATH };

/** Opens a fresh store file holding `items` items of the token's caller and as many of another user. */
export async function seededStore(todo: TodoConfig): Promise<SqliteTodoStore> {
  for (const suffix of ['', '-wal', '-shm']) await rm(`${todo.dbPath}${suffix}`, { force: true });
  const store = new SqliteTodoStore({ path: todo.dbPath });
  const owner = fixedPrincipal(todo.claims as JWTPayload).subject;
  for (let i = 0; i < todo.items; i++) {
    await store.create({ owner, text: `Item ${i + 1} of the bench user`, completed: i % 3 === 0 });
    await store.create({ owner: 'someone-else', text: `Item ${i + 1} of another user` });
  }
  return store;
}

/** The principal Gatehouse would build from these claims (default Entra-style mapping), unverified. */
export function fixedPrincipal(claims: JWTPayload): Principal {
  const m = defaultClaimMapping;
  const scopes = m.scopes(claims);
  const roles = m.roles(claims);
  const subject = m.subject(claims) ?? 'anonymous';
  return {
    subject,
    issuer: String(claims.iss),
    issuerSubject: JSON.stringify([String(claims.iss), subject]),
    tenant: m.tenant(claims),
    clientId: m.clientId(claims),
    scopes,
    roles,
    isApp: m.isApp(claims, scopes, roles),
    policy: undefined,
    expiresAt: Number(claims.exp),
    claims,
  };
}

/** The to-do routes on a bare Fastify (the app's ajv options and schemas), authenticated either way. */
export async function todoRoutesApp(
  store: SqliteTodoStore,
  auth: { gatehouse: Gatehouse } | { principal: Principal },
): Promise<FastifyInstance> {
  const app = Fastify({
    logger: false,
    ajv: {
      customOptions: { coerceTypes: false, removeAdditional: false, useDefaults: false, allErrors: false },
    },
  });
  app.addSchema(todoSchema);
  app.addSchema(problemSchema);
  if ('gatehouse' in auth) {
    await app.register(gatehousePlugin, { gatehouse: auth.gatehouse });
  } else {
    const { principal } = auth;
    app.decorateRequest('principal', null);
    app.addHook('onRequest', (request, _reply, done) => {
      request.principal = principal;
      done();
    });
  }
  await app.register(todoRoutes, { store });
  return app;
}
