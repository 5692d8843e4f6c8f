/**
 * The app's two cookies, both HttpOnly, SameSite=Lax, Path=/, and Secure with the `__Host-` prefix
 * when the app is served over https: the session, and the sign-in in progress. A value longer than
 * one cookie holds is split across numbered cookies (`name`, `name.1`); past two, it is refused.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { TodoWebError } from './errors.ts';

/** Characters of value per cookie: browsers keep at least 4096 bytes for name, value and attributes. */
export const COOKIE_CHUNK_SIZE = 3800;
export const MAX_COOKIE_CHUNKS = 2;

export interface CookieJar {
  readonly session: string;
  readonly signIn: string;
  readonly secure: boolean;
}

export function cookieJar(secure: boolean): CookieJar {
  // Cookies ignore ports: these names must not collide with the identity provider's on localhost.
  const prefix = secure ? '__Host-' : '';
  return { session: `${prefix}todo_web_session`, signIn: `${prefix}todo_web_sign_in`, secure };
}

function chunkName(name: string, index: number): string {
  return index === 0 ? name : `${name}.${index}`;
}

/** The whole value, joined from its chunks, or undefined when the first is absent. */
export function readCookie(request: FastifyRequest, name: string): string | undefined {
  const first = request.cookies[name];
  if (first === undefined || first === '') return undefined;
  let value = first;
  for (let index = 1; index < MAX_COOKIE_CHUNKS; index += 1) {
    const next = request.cookies[chunkName(name, index)];
    if (next === undefined || next === '') break;
    value += next;
  }
  return value;
}

function attributes(jar: CookieJar, maxAgeSeconds: number) {
  return { path: '/', httpOnly: true, sameSite: 'lax', secure: jar.secure, maxAge: maxAgeSeconds } as const;
}

/** Sets the cookie (split when needed) and clears chunks a previous, longer value left behind. */
export function writeCookie(
  request: FastifyRequest,
  reply: FastifyReply,
  jar: CookieJar,
  name: string,
  value: string,
  maxAgeSeconds: number,
): void {
  const count = Math.ceil(value.length / COOKIE_CHUNK_SIZE);
  if (count > MAX_COOKIE_CHUNKS) {
    throw new TodoWebError(
      'ERR_SESSION_TOO_LARGE',
      `the ${name} cookie would need ${count} cookies of ${COOKIE_CHUNK_SIZE} characters`,
    );
  }
  for (let index = 0; index < count; index += 1) {
    const chunk = value.slice(index * COOKIE_CHUNK_SIZE, (index + 1) * COOKIE_CHUNK_SIZE);
    reply.setCookie(chunkName(name, index), chunk, attributes(jar, maxAgeSeconds));
  }
  for (let index = count; index < MAX_COOKIE_CHUNKS; index += 1) {
    if (request.cookies[chunkName(name, index)] !== undefined) {
      reply.clearCookie(chunkName(name, index), attributes(jar, 0));
    }
  }
}

export function clearCookie(
  request: FastifyRequest,
  reply: FastifyReply,
  jar: CookieJar,
  name: string,
): void {
  for (let index = 0; index < MAX_COOKIE_CHUNKS; index += 1) {
    if (index === 0 || request.cookies[chunkName(name, index)] !== undefined) {
      reply.clearCookie(chunkName(name, index), attributes(jar, 0));
    }
  }
}
