/**
 * Calls the to-do API with the user's access token (`Authorization: Bearer`, nothing else) and
 * turns every answer that is not the expected one into a `TodoWebError`: 401 -> ERR_API_UNAUTHORIZED
 * (ERR_STEP_UP when it is an RFC 9470 `insufficient_user_authentication` challenge),
 * 403 -> ERR_API_FORBIDDEN, 404 -> ERR_API_NOT_FOUND, other 4xx -> ERR_API_INVALID (with the
 * problem's `detail`), 429, 5xx, timeouts, refused connections and foreign answers -> ERR_API_UNAVAILABLE.
 */
import type { Todo as ApiTodo } from 'gatehouse-todo-api/todo';
import { OUTBOUND_TIMEOUT_MS } from './config.ts';
import { TodoWebError } from './errors.ts';
import { stepUpChallenge } from './www-authenticate.ts';

/** The fields of the API's to-do item the web app reads and shows. */
export type Todo = Pick<ApiTodo, 'id' | 'text' | 'completed' | 'dueDate' | 'createdAt'>;

export interface NewTodo {
  text: string;
  dueDate?: string;
}

export interface TodoList {
  items: Todo[];
  /** True when the API has more items than one page holds. */
  more: boolean;
}

export interface TodoApi {
  list(accessToken: string): Promise<TodoList>;
  create(accessToken: string, todo: NewTodo): Promise<void>;
  complete(accessToken: string, id: string): Promise<void>;
  remove(accessToken: string, id: string): Promise<void>;
}

/** Largest page the API serves; the list page shows this many at most. */
export const PAGE_LIMIT = 200;

function isTodo(value: unknown): value is Todo {
  if (typeof value !== 'object' || value === null) return false;
  const item = value as Record<string, unknown>;
  return (
    typeof item.id === 'string' &&
    typeof item.text === 'string' &&
    typeof item.completed === 'boolean' &&
    (item.dueDate === null || typeof item.dueDate === 'string') &&
    typeof item.createdAt === 'string'
  );
}

async function problemDetail(response: Response): Promise<string | undefined> {
  try {
    const body: unknown = await response.json();
    const detail = typeof body === 'object' && body !== null ? Reflect.get(body, 'detail') : undefined;
    return typeof detail === 'string' ? detail : undefined;
  } catch {
    return undefined;
  }
}

async function failure(response: Response, what: string): Promise<TodoWebError> {
  const message = `${what}: the API answered ${response.status}`;
  switch (response.status) {
    case 401: {
      // A step-up challenge is answered by signing in again, never by refreshing: a refreshed
      // token records the same sign-in as the one refused.
      const stepUp = stepUpChallenge(response.headers.get('www-authenticate'));
      if (stepUp) return new TodoWebError('ERR_STEP_UP', `${message} (step-up)`, { stepUp });
      return new TodoWebError('ERR_API_UNAUTHORIZED', message);
    }
    case 403:
      return new TodoWebError('ERR_API_FORBIDDEN', message);
    case 404:
      return new TodoWebError('ERR_API_NOT_FOUND', message);
    case 400:
    case 409:
    case 413:
    case 415:
    case 422:
      return new TodoWebError('ERR_API_INVALID', message, { detail: await problemDetail(response) });
    default:
      return new TodoWebError('ERR_API_UNAVAILABLE', message);
  }
}

export function createApiClient(baseUrl: string, timeoutMs: number = OUTBOUND_TIMEOUT_MS): TodoApi {
  async function call(what: string, accessToken: string, method: string, path: string, json?: unknown) {
    let response: Response;
    try {
      response = await fetch(`${baseUrl}${path}`, {
        method,
        headers: {
          accept: 'application/json, application/problem+json',
          authorization: `Bearer ${accessToken}`,
          ...(json === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(json === undefined ? {} : { body: JSON.stringify(json) }),
        redirect: 'error',
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (cause) {
      throw new TodoWebError('ERR_API_UNAVAILABLE', `${what}: ${baseUrl} cannot be reached`, { cause });
    }
    if (!response.ok) {
      const error = await failure(response, what);
      await response.body?.cancel().catch(() => undefined);
      throw error;
    }
    return response;
  }

  const item = (id: string) => `/api/todos/${encodeURIComponent(id)}`;

  return {
    async list(accessToken) {
      const response = await call('list', accessToken, 'GET', `/api/todos?limit=${PAGE_LIMIT}`);
      let body: unknown;
      try {
        body = await response.json();
      } catch (cause) {
        throw new TodoWebError('ERR_API_UNAVAILABLE', 'list: the answer is not JSON', { cause });
      }
      if (!Array.isArray(body) || !body.every(isTodo)) {
        throw new TodoWebError('ERR_API_UNAVAILABLE', 'list: the answer is not a list of to-dos');
      }
      const more = /rel="?next"?/.test(response.headers.get('link') ?? '');
      return { items: body, more };
    },
    async create(accessToken, todo) {
      const response = await call('create', accessToken, 'POST', '/api/todos', todo);
      await response.body?.cancel();
    },
    async complete(accessToken, id) {
      const response = await call('complete', accessToken, 'PATCH', item(id), { completed: true });
      await response.body?.cancel();
    },
    async remove(accessToken, id) {
      const response = await call('delete', accessToken, 'DELETE', item(id));
      await response.body?.cancel();
    },
  };
}
