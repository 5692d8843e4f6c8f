/**
 * The service's pino logger. Tokens never reach the log: the Authorization and Cookie headers
 * are redacted wherever they appear, and credential-looking query parameters are masked in URLs.
 */
import type { FastifyRequest } from 'fastify';
import { type Logger, pino } from 'pino';
import type { LogLevel } from './config.ts';

export const REDACTED = '[redacted]';

const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'headers.cookie',
  'authorization',
  'token',
  'accessToken',
  'access_token',
];

const SECRET_PARAMS = /([?&](?:access_token|id_token|refresh_token|token|code|client_secret)=)[^&#]*/gi;

/** The URL with the values of credential-bearing query parameters replaced. */
export function safeUrl(url: string): string {
  return url.replace(SECRET_PARAMS, `$1${REDACTED}`);
}

function serializeRequest(request: FastifyRequest): Record<string, unknown> {
  return {
    method: request.method,
    url: safeUrl(request.url),
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  };
}

export function createLogger(level: LogLevel, destination?: NodeJS.WritableStream): Logger {
  const options = {
    level,
    redact: { paths: REDACT_PATHS, censor: REDACTED },
    serializers: { req: serializeRequest },
  };
  return destination ? pino(options, destination) : pino(options);
}
