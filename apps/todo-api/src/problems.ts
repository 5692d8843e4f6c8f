/**
 * RFC 9457 problem details for every 4xx/5xx the API itself answers (Gatehouse answers its own
 * 401/403/503 in the same shape): route not found, Fastify's validation and body-parser errors,
 * rate limiting, and unexpected failures (an opaque 500; the cause goes to the log only).
 */
import { STATUS_CODES } from 'node:http';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { isStoreUnavailable } from './store/errors.ts';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export type ProblemCode =
  | 'ERR_VALIDATION'
  | 'ERR_NOT_FOUND'
  | 'ERR_ROUTE_NOT_FOUND'
  | 'ERR_MALFORMED_JSON'
  | 'ERR_BODY_TOO_LARGE'
  | 'ERR_UNSUPPORTED_MEDIA_TYPE'
  | 'ERR_BAD_REQUEST'
  | 'ERR_FORBIDDEN_OWNER'
  | 'ERR_RATE_LIMITED'
  | 'ERR_METHOD_NOT_ALLOWED'
  | 'ERR_SHUTTING_DOWN'
  | 'ERR_STORE_UNAVAILABLE'
  | 'ERR_INTERNAL';

export interface FieldError {
  path: string;
  message: string;
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  errors?: FieldError[];
}

export function problem(
  status: number,
  code: ProblemCode | string,
  detail: string,
  errors?: FieldError[],
): Problem {
  const body: Problem = { type: 'about:blank', title: STATUS_CODES[status] ?? 'Error', status, detail, code };
  if (errors && errors.length > 0) body.errors = errors;
  return body;
}

export function sendProblem(
  reply: FastifyReply,
  body: Problem,
  headers: Record<string, string> = {},
): FastifyReply {
  return reply
    .code(body.status)
    .headers({ ...headers, 'cache-control': 'no-store' })
    .type(PROBLEM_CONTENT_TYPE)
    .send(body);
}

export function notFound(detail = 'No such to-do item'): Problem {
  return problem(404, 'ERR_NOT_FOUND', detail);
}

interface ValidationIssue {
  instancePath?: string;
  message?: string;
  keyword?: string;
  params?: Record<string, unknown>;
}

function fieldErrors(context: string | undefined, issues: readonly ValidationIssue[]): FieldError[] {
  return issues.slice(0, 10).map((issue) => {
    let path = `${context ?? ''}${issue.instancePath ?? ''}`;
    let message = issue.message ?? 'is invalid';
    const extra = issue.params?.additionalProperty;
    if (issue.keyword === 'additionalProperties' && typeof extra === 'string') {
      path = `${path}/${extra}`;
      message = 'is not allowed';
    }
    return { path, message };
  });
}

/** Maps any error thrown while handling a request to a problem body. */
export function problemForError(error: FastifyError): Problem {
  if (error.validation) {
    // An id that cannot exist names no item the caller may see: 404, not 400.
    if (error.validationContext === 'params') return notFound();
    const errors = fieldErrors(error.validationContext, error.validation);
    const first = errors[0];
    const detail = first ? `${first.path || error.validationContext} ${first.message}` : 'Invalid request';
    return problem(400, 'ERR_VALIDATION', detail, errors);
  }
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return problem(413, 'ERR_BODY_TOO_LARGE', 'The request body is too large');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return problem(400, 'ERR_MALFORMED_JSON', 'The request body is not valid JSON');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return problem(415, 'ERR_UNSUPPORTED_MEDIA_TYPE', 'Send the body as application/json');
  }
  if (error instanceof SyntaxError) {
    return problem(400, 'ERR_MALFORMED_JSON', 'The request body is not valid JSON');
  }
  const status = typeof error.statusCode === 'number' ? error.statusCode : 500;
  if (status >= 400 && status < 500) {
    return problem(status, 'ERR_BAD_REQUEST', safeMessage(error.message));
  }
  return problem(500, 'ERR_INTERNAL', 'Internal error');
}

/** Client-error messages from Fastify and its plugins are short and carry no secrets; cap them anyway. */
function safeMessage(message: string): string {
  return message.length > 200 ? `${message.slice(0, 200)}...` : message;
}

export function errorHandler(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): FastifyReply {
  if (isStoreUnavailable(error)) {
    // The database is away: a short answer the client may retry, not a failure of this request.
    request.log.warn({ code: error.code, reason: error.message }, 'store unavailable');
    return sendProblem(
      reply,
      problem(503, 'ERR_STORE_UNAVAILABLE', 'The database is unavailable; retry shortly'),
      { 'retry-after': String(error.retryAfter) },
    );
  }
  const body = problemForError(error);
  if (body.status >= 500) {
    request.log.error({ err: error }, 'request failed');
  } else {
    request.log.info({ code: body.code, status: body.status }, body.detail);
  }
  return sendProblem(reply, body);
}

/**
 * Fastify's router refuses some URLs before any route runs (bad percent-encoding, a parameter
 * over `maxParamLength`). Under `itemPrefix` such a path is an id that names no item: 404.
 */
export function problemForFrameworkError(error: FastifyError, url: string, itemPrefix: string): Problem {
  const path = url.split('?')[0] ?? url;
  if (path.startsWith(itemPrefix)) return notFound();
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH')
    return problem(414, 'ERR_BAD_REQUEST', 'A path segment is too long');
  return problem(400, 'ERR_BAD_REQUEST', 'The URL is not valid');
}

export function notFoundHandler(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  return sendProblem(
    reply,
    problem(404, 'ERR_ROUTE_NOT_FOUND', `No route for ${request.method} ${request.url.split('?')[0]}`),
  );
}
