/**
 * JSON schemas for every input and output of the to-do routes. Inputs reject unknown members
 * (`additionalProperties: false`) and, with the app's ajv options, are never coerced.
 */
import { ID_PATTERN } from './store/ids.ts';

export const MAX_TEXT = 1000;
export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 200;

const text = { type: 'string', minLength: 1, maxLength: MAX_TEXT, pattern: '\\S' } as const;
const completed = { type: 'boolean' } as const;
const dueDate = {
  description: 'A date (2025-01-31) or an RFC 3339 date-time, or null',
  anyOf: [{ type: 'string', format: 'date' }, { type: 'string', format: 'date-time' }, { type: 'null' }],
} as const;

export const todoSchema = {
  $id: 'Todo',
  type: 'object',
  required: ['id', 'owner', 'text', 'completed', 'dueDate', 'createdAt', 'updatedAt'],
  additionalProperties: false,
  properties: {
    id: { type: 'string' },
    owner: { type: 'string', description: 'oid (else sub) of the user who owns the item' },
    text: { type: 'string' },
    completed: { type: 'boolean' },
    dueDate: { type: ['string', 'null'] },
    createdAt: { type: 'string', format: 'date-time' },
    updatedAt: { type: 'string', format: 'date-time' },
  },
} as const;

export const problemSchema = {
  $id: 'Problem',
  type: 'object',
  description: 'RFC 9457 problem details (application/problem+json)',
  required: ['type', 'title', 'status', 'detail', 'code'],
  // Extension members pass through the serializer untouched.
  additionalProperties: true,
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    code: { type: 'string' },
    errors: {
      type: 'array',
      items: {
        type: 'object',
        properties: { path: { type: 'string' }, message: { type: 'string' } },
      },
    },
  },
} as const;

export const createBody = {
  type: 'object',
  required: ['text'],
  additionalProperties: false,
  properties: {
    text,
    completed,
    dueDate,
    owner: {
      type: 'string',
      minLength: 1,
      maxLength: 256,
      description: 'Required for apps; users may only give their own id',
    },
  },
} as const;

export const patchBody = {
  type: 'object',
  minProperties: 1,
  additionalProperties: false,
  properties: { text, completed, dueDate },
} as const;

export const idParams = {
  type: 'object',
  required: ['id'],
  additionalProperties: false,
  properties: { id: { type: 'string', pattern: ID_PATTERN } },
} as const;

/** Query values arrive as strings; they are checked as strings and converted by the route. */
export const listQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    limit: {
      type: 'string',
      pattern: '^(?:[1-9]|[1-9][0-9]|1[0-9][0-9]|200)$',
      description: `Page size, 1 to ${MAX_LIMIT} (default ${DEFAULT_LIMIT})`,
    },
    cursor: { type: 'string', minLength: 1, maxLength: 128, description: 'From the Link rel="next" header' },
  },
} as const;

export interface CreateBody {
  text: string;
  completed?: boolean;
  dueDate?: string | null;
  owner?: string;
}

export interface PatchBody {
  text?: string;
  completed?: boolean;
  dueDate?: string | null;
}

export interface IdParams {
  id: string;
}

export interface ListQueryString {
  limit?: string;
  cursor?: string;
}

function problemResponse(description: string) {
  return { description, content: { 'application/problem+json': { schema: { $ref: 'Problem#' } } } } as const;
}

/** Error responses every to-do route can give, for the OpenAPI document. */
export const errorResponses = {
  400: problemResponse('Invalid input (validation, malformed JSON, invalid cursor)'),
  401: problemResponse('No valid access token; see WWW-Authenticate'),
  403: problemResponse('The token lacks the scope or app permission; see WWW-Authenticate'),
  404: problemResponse('No such item for this caller'),
  413: problemResponse('The body is larger than 64 KiB'),
  429: problemResponse('Too many requests; see Retry-After'),
  503: problemResponse('Signing keys not loaded yet; see Retry-After'),
} as const;
