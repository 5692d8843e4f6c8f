/**
 * The to-do list and its forms. Every form is a POST checked for CSRF, answered with 303 to
 * GET /todos (POST/redirect/GET), except an add the API or the form refuses: that re-renders the
 * list with the message and what was typed (400).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { NewTodo } from '../api-client.ts';
import type { AppContext } from '../context.ts';
import { isTodoWebError } from '../errors.ts';
import { seeOther, sendHtml } from '../render.ts';
import { requireSession, viewerOf } from '../request-session.ts';
import { checkCsrf, formField } from '../security.ts';
import { withAccessToken } from '../tokens.ts';
import { isTodosNotice, type TodosNotice, todosPage } from '../views/todos.ts';

/** Same limit as the API's. */
export const MAX_TEXT_LENGTH = 1000;

type Draft = { text: string; dueDate: string };

/** The new to-do, or the message explaining what is wrong with the form. */
export function readNewTodo(draft: Draft): NewTodo | string {
  const text = draft.text.trim();
  if (text === '') return 'Write what needs doing.';
  if ([...text].length > MAX_TEXT_LENGTH) return `Keep it under ${MAX_TEXT_LENGTH} characters.`;
  if (draft.dueDate === '') return { text };
  const valid =
    /^\d{4}-\d{2}-\d{2}$/.test(draft.dueDate) &&
    new Date(`${draft.dueDate}T00:00:00Z`).toISOString().startsWith(draft.dueDate);
  if (!valid) return 'Give the due date as a calendar date, e.g. 2025-01-31.';
  return { text, dueDate: draft.dueDate };
}

export async function todoRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const guard = { preHandler: async (request: FastifyRequest) => checkCsrf(ctx, request) };
  const today = () => new Date(ctx.now()).toISOString().slice(0, 10);

  async function renderList(
    request: FastifyRequest,
    reply: FastifyReply,
    status: number,
    error?: string,
    draft?: Draft,
    notice?: TodosNotice,
  ) {
    const list = await withAccessToken(ctx, request, reply, (token) => ctx.api.list(token));
    const viewer = viewerOf(request);
    if (!viewer) return seeOther(reply, '/');
    return sendHtml(reply, status, todosPage({ viewer, list, error, draft, notice, today: today() }));
  }

  app.get('/todos', async (request, reply) => {
    if (!request.session) return seeOther(reply, '/');
    const { notice } = request.query as { notice?: unknown };
    return renderList(request, reply, 200, undefined, undefined, isTodosNotice(notice) ? notice : undefined);
  });

  app.post('/todos', guard, async (request, reply) => {
    const draft = {
      text: formField(request.body, 'text') ?? '',
      dueDate: formField(request.body, 'dueDate') ?? '',
    };
    const todo = readNewTodo(draft);
    if (typeof todo === 'string') return renderList(request, reply, 400, todo, draft);
    try {
      await withAccessToken(ctx, request, reply, (token) => ctx.api.create(token, todo));
    } catch (error) {
      if (!isTodoWebError(error, 'ERR_API_INVALID')) throw error;
      const message = error.detail
        ? `The to-do service refused it: ${error.detail}`
        : 'The to-do service refused it.';
      return renderList(request, reply, 400, message, draft);
    }
    return seeOther(reply, '/todos');
  });

  app.post<{ Params: { id: string } }>('/todos/:id/complete', guard, async (request, reply) => {
    requireSession(request);
    await withAccessToken(ctx, request, reply, (token) => ctx.api.complete(token, request.params.id));
    return seeOther(reply, '/todos');
  });

  app.post<{ Params: { id: string } }>('/todos/:id/delete', guard, async (request, reply) => {
    requireSession(request);
    await withAccessToken(ctx, request, reply, (token) => ctx.api.remove(token, request.params.id));
    return seeOther(reply, '/todos');
  });
}
