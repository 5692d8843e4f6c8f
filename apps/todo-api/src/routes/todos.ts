/**
 * `/api/todos`: users see and change only their own items; apps see every item and name the
 * owner when creating. Any id the caller may not see answers 404, never the item.
 *
 * The owner of an item is the caller's `principal.subject` (`oid`, else `sub`) while one issuer
 * is trusted, and `principal.issuerSubject` (`["<issuer>","<subject>"]`) when several are: two
 * issuers may give the same subject to different people, who must not share items. Switching a
 * deployment from one issuer to several changes every owner key (existing items then need their
 * owner rewritten to the issuer-qualified form).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Principal, Requirement } from 'gatehouse-auth';
import { canRead, canWrite } from '../permissions.ts';
import { notFound, problem, sendProblem } from '../problems.ts';
import {
  type CreateBody,
  createBody,
  DEFAULT_LIMIT,
  errorResponses,
  type IdParams,
  idParams,
  type ListQueryString,
  listQuery,
  type PatchBody,
  patchBody,
} from '../schemas.ts';
import { decodeCursor, encodeCursor } from '../store/cursor.ts';
import type { Cursor, TodoStore } from '../store/types.ts';

export interface TodoRoutesOptions {
  store: TodoStore;
  /** More than one issuer is trusted: items are owned by `issuerSubject`. @default false */
  multiIssuer?: boolean;
  /** Also required to delete an item (`STEP_UP_*` settings, see permissions.ts), in this order. */
  deleteRequires?: readonly Requirement[];
}

export const TODOS_PATH = '/api/todos';

const security = [{ oauth2: [] }];
const read = { gatehouse: { require: [canRead] } };
const write = { gatehouse: { require: [canWrite] } };
const todoRef = { $ref: 'Todo#' } as const;

function ownerKey(principal: Principal, multiIssuer: boolean): string {
  return multiIssuer ? principal.issuerSubject : principal.subject;
}

function caller(request: FastifyRequest): Principal {
  // The route's `config.gatehouse` guarantees a verified principal before the handler runs.
  const principal = request.principal;
  if (!principal) throw new Error('todo routes reached without a principal');
  return principal;
}

export async function todoRoutes(app: FastifyInstance, options: TodoRoutesOptions): Promise<void> {
  const { store } = options;
  const multiIssuer = options.multiIssuer ?? false;
  // Write permission is checked first: a token without it is 403, whatever its sign-in.
  const remove = options.deleteRequires?.length
    ? { gatehouse: { require: [canWrite, ...options.deleteRequires] } }
    : write;
  /** The owner a caller's reads and writes are limited to; `undefined` (every owner) for apps. */
  const scopeOf = (principal: Principal): string | undefined =>
    principal.isApp ? undefined : ownerKey(principal, multiIssuer);

  app.get<{ Querystring: ListQueryString }>(
    TODOS_PATH,
    {
      config: read,
      schema: {
        summary: 'List to-do items (your own; every item for apps)',
        tags: ['todos'],
        security,
        querystring: listQuery,
        response: { 200: { type: 'array', items: todoRef }, ...errorResponses },
      },
    },
    async (request, reply) => {
      const principal = caller(request);
      const limit = request.query.limit === undefined ? DEFAULT_LIMIT : Number(request.query.limit);
      let cursor: Cursor | undefined;
      if (request.query.cursor !== undefined) {
        const decoded = decodeCursor(request.query.cursor);
        if (!decoded)
          return sendProblem(
            reply,
            problem(400, 'ERR_VALIDATION', 'querystring/cursor is not a valid cursor'),
          );
        cursor = decoded;
      }
      const page = await store.list({ owner: scopeOf(principal), limit, cursor });
      if (page.next) {
        const next = `${TODOS_PATH}?limit=${limit}&cursor=${encodeCursor(page.next)}`;
        reply.header('link', `<${next}>; rel="next"`);
      }
      return page.items;
    },
  );

  app.post<{ Body: CreateBody }>(
    TODOS_PATH,
    {
      config: write,
      schema: {
        summary: 'Create a to-do item',
        tags: ['todos'],
        security,
        body: createBody,
        response: { 201: todoRef, ...errorResponses },
      },
    },
    async (request, reply) => {
      const principal = caller(request);
      const { owner, ...fields } = request.body;
      if (principal.isApp && owner === undefined) {
        return sendProblem(
          reply,
          problem(400, 'ERR_VALIDATION', 'body/owner is required when an application creates an item', [
            { path: 'body/owner', message: 'is required for applications' },
          ]),
        );
      }
      if (!principal.isApp && owner !== undefined && owner !== ownerKey(principal, multiIssuer)) {
        return sendProblem(
          reply,
          problem(403, 'ERR_FORBIDDEN_OWNER', 'Users may create items only for themselves'),
        );
      }
      const todo = await store.create({ ...fields, owner: owner ?? ownerKey(principal, multiIssuer) });
      request.log.info({ todo: todo.id }, 'to-do created');
      return reply.code(201).header('location', `${TODOS_PATH}/${todo.id}`).send(todo);
    },
  );

  app.get<{ Params: IdParams }>(
    `${TODOS_PATH}/:id`,
    {
      config: read,
      schema: {
        summary: 'Read a to-do item',
        tags: ['todos'],
        security,
        params: idParams,
        response: { 200: todoRef, ...errorResponses },
      },
    },
    async (request, reply) => {
      const todo = await store.get(request.params.id, scopeOf(caller(request)));
      return todo ?? sendProblem(reply, notFound());
    },
  );

  app.patch<{ Params: IdParams; Body: PatchBody }>(
    `${TODOS_PATH}/:id`,
    {
      config: write,
      schema: {
        summary: 'Change some fields of a to-do item',
        tags: ['todos'],
        security,
        params: idParams,
        body: patchBody,
        response: { 200: todoRef, ...errorResponses },
      },
    },
    async (request, reply) => {
      const todo = await store.update(request.params.id, scopeOf(caller(request)), request.body);
      return todo ?? sendProblem(reply, notFound());
    },
  );

  app.delete<{ Params: IdParams }>(
    `${TODOS_PATH}/:id`,
    {
      config: remove,
      schema: {
        summary: 'Delete a to-do item',
        tags: ['todos'],
        security,
        params: idParams,
        response: { 204: { type: 'null', description: 'Deleted' }, ...errorResponses },
      },
    },
    async (request, reply: FastifyReply) => {
      const deleted = await store.delete(request.params.id, scopeOf(caller(request)));
      if (!deleted) return sendProblem(reply, notFound());
      return reply.code(204).send();
    },
  );
}
