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

/**
 * Parameter names whose values are credentials, compared after decoding and lower-casing. A list
 * of names rather than a pattern over the raw URL: servers decode `%61ccess_token`,
 * `access%5Ftoken` and `Access_Token` into a parameter the pattern would not see.
 */
const SECRET_NAMES = new Set([
  'access_token',
  'id_token',
  'id_token_hint',
  'refresh_token',
  'logout_token',
  'subject_token',
  'actor_token',
  'token',
  'code',
  'device_code',
  'user_code',
  'code_verifier',
  'client_secret',
  'client_assertion',
  'assertion',
  'password',
  'passwd',
  'secret',
  'api_key',
  'apikey',
  'key',
  'sig',
  'signature',
  'authorization',
  'auth',
  'jwt',
  'bearer',
  'session',
  'sessionid',
]);

/** Decoded as a form parameter name; undefined when the bytes are not valid percent-encoding. */
function parameterName(raw: string): string | undefined {
  let name = raw.replaceAll('+', ' ');
  // Undo layered encoding too (`%2561`), so no spelling of a name can hide it.
  for (let round = 0; round < 3 && name.includes('%'); round++) {
    try {
      name = decodeURIComponent(name);
    } catch {
      return undefined;
    }
  }
  return name.trim().toLowerCase().replace(/\[\]$/, '');
}

/**
 * The URL with the value of every credential-bearing parameter replaced, wherever parameters can
 * be (query after `?`, `;` matrix parameters, the fragment), whatever the separator (`&` or `;`).
 * A URL whose parameters cannot be decoded is replaced whole: it cannot be shown to be safe.
 */
export function safeUrl(url: string): string {
  const hash = url.indexOf('#');
  const beforeHash = hash === -1 ? url : url.slice(0, hash);
  const start = beforeHash.search(/[?;]/);
  if (start === -1) return hash === -1 ? url : `${beforeHash}#${REDACTED}`;
  const parts = beforeHash.slice(start).split(/([?&;])/);
  let out = beforeHash.slice(0, start);
  for (const part of parts) {
    if (part === '?' || part === '&' || part === ';' || part === '') {
      out += part;
      continue;
    }
    const eq = part.indexOf('=');
    const name = parameterName(eq === -1 ? part : part.slice(0, eq));
    if (name === undefined) return REDACTED;
    out += SECRET_NAMES.has(name) ? `${eq === -1 ? part : part.slice(0, eq)}=${REDACTED}` : part;
  }
  // Fragments never reach a server from a browser; one that does is not worth the risk.
  return hash === -1 ? out : `${out}#${REDACTED}`;
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
