/**
 * Every failure that crosses a module boundary is a `TodoWebError` with a stable `code`; the error
 * handler in app.ts picks the page from the code, never from the message (which is for the log).
 */

import type { StepUp } from './www-authenticate.ts';

export type TodoWebErrorCode =
  /** The API refused the access token (expired, revoked, wrong audience): sign in again. */
  | 'ERR_API_UNAUTHORIZED'
  /** The API wants a stronger or more recent sign-in (RFC 9470); `stepUp` says which. */
  | 'ERR_STEP_UP'
  /** The API says the token lacks a scope (403 insufficient_scope). */
  | 'ERR_API_FORBIDDEN'
  /** The API does not know the item, or it belongs to someone else. */
  | 'ERR_API_NOT_FOUND'
  /** The API refused the input (400/413/422); `detail` is its explanation. */
  | 'ERR_API_INVALID'
  /** The API is down, timed out, answered 5xx or something that is not the to-do API. */
  | 'ERR_API_UNAVAILABLE'
  /** The identity provider cannot be reached (discovery or token endpoint). */
  | 'ERR_IDP_UNAVAILABLE'
  /** The provider refused to issue or refresh tokens (invalid_grant, bad state, nonce, ...). */
  | 'ERR_SIGN_IN'
  /** The sign-in started too long ago, in another browser, or cookies are blocked. */
  | 'ERR_SIGN_IN_EXPIRED'
  /** The session cannot go on (no refresh token, refresh refused): sign in again. */
  | 'ERR_SESSION_ENDED'
  /** The tokens do not fit in the session cookies. */
  | 'ERR_SESSION_TOO_LARGE'
  /** A form arrived without a valid CSRF token, or from another origin. */
  | 'ERR_CSRF';

const STATUS: Record<TodoWebErrorCode, number> = {
  ERR_API_UNAUTHORIZED: 401,
  ERR_STEP_UP: 401,
  ERR_API_FORBIDDEN: 403,
  ERR_API_NOT_FOUND: 404,
  ERR_API_INVALID: 400,
  ERR_API_UNAVAILABLE: 503,
  ERR_IDP_UNAVAILABLE: 503,
  ERR_SIGN_IN: 400,
  ERR_SIGN_IN_EXPIRED: 400,
  ERR_SESSION_ENDED: 401,
  ERR_SESSION_TOO_LARGE: 500,
  ERR_CSRF: 403,
};

export interface TodoWebErrorOptions {
  cause?: unknown;
  /** Safe to show to the user (e.g. the API's problem `detail`). */
  detail?: string;
  /** ERR_STEP_UP: what the next sign-in must ask the provider for. */
  stepUp?: StepUp;
}

export class TodoWebError extends Error {
  readonly code: TodoWebErrorCode;
  /** The status of the page shown for it. */
  readonly status: number;
  readonly detail: string | undefined;
  readonly stepUp: StepUp | undefined;

  constructor(code: TodoWebErrorCode, message: string, options: TodoWebErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TodoWebError';
    this.code = code;
    this.status = STATUS[code];
    this.detail = options.detail;
    this.stepUp = options.stepUp;
  }
}

export function isTodoWebError(error: unknown, code?: TodoWebErrorCode): error is TodoWebError {
  return error instanceof TodoWebError && (code === undefined || error.code === code);
}
