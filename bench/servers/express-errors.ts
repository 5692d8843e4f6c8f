/**
 * The error handler an Express API puts after the peers' middleware: their refusals are errors
 * carrying `status` (401/403) and, for some, `headers` (WWW-Authenticate). Without it Express's
 * final handler would also print every refusal's stack trace.
 */
import type { ErrorRequestHandler } from 'express';

interface HttpError {
  status?: number;
  statusCode?: number;
  headers?: Record<string, string>;
}

export const sendHttpError: ErrorRequestHandler = (error: HttpError, _req, res, _next) => {
  const status = error.status ?? error.statusCode ?? 500;
  res
    .status(status)
    .set(error.headers ?? {})
    .json({ error: status === 500 ? 'server_error' : 'unauthorized' });
};
