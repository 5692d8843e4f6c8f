/**
 * Test helpers: a configuration, sealed session cookies, a stand-in for the to-do API on a real
 * local port (the network edge is all that is faked) and cookie parsing.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestContext } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { type BuildAppOptions, buildApp } from '../src/app.ts';
import { type Config, loadConfig } from '../src/config.ts';
import { newSessionId } from '../src/revoked-sessions.ts';
import { createSessionCodec, type SessionData, sealSession } from '../src/session.ts';

export const SECRET = 'test-secret-that-is-long-enough-to-pass-32';
export const WEB = 'http://localhost:3002';
export const CSRF = 'csrf-token-for-tests-0123456789abcdefghijklmn';

export function testConfig(env: Record<string, string> = {}): Config {
  return loadConfig({
    WEB_PORT: '3002',
    // Nothing listens there: pages that need discovery see the provider as unavailable.
    AUTH_ISSUER: 'http://127.0.0.1:9',
    TODO_API_URL: 'http://127.0.0.1:9',
    WEB_SESSION_SECRET: SECRET,
    ...env,
  });
}

export function session(overrides: Partial<SessionData> = {}): SessionData {
  const now = Math.floor(Date.now() / 1000);
  return {
    id: newSessionId(),
    userName: 'Alice Example',
    accessToken: 'access-token-alice',
    refreshToken: 'refresh-token-alice',
    expiresAt: now + 3600,
    csrf: CSRF,
    signedInAt: now,
    ...overrides,
  };
}

/** A `cookie` header carrying the sealed session. */
export async function sessionCookie(data: SessionData = session(), secret = SECRET): Promise<string> {
  return `todo_web_session=${await sealSession(createSessionCodec([secret]), data, 3600)}`;
}

export async function testApp(
  t: TestContext,
  options: Partial<BuildAppOptions> & { env?: Record<string, string> } = {},
): Promise<FastifyInstance> {
  const { env, ...rest } = options;
  const app = await buildApp({ config: testConfig(env), secrets: [SECRET], ...rest });
  t.after(() => app.close());
  return app;
}

export interface Recorded {
  method: string;
  url: string;
  authorization: string | undefined;
  body: string;
}

export type FakeHandler = (request: Recorded, res: ServerResponse) => void;

export interface FakeApi {
  url: string;
  requests: Recorded[];
  handle(handler: FakeHandler): void;
}

export function json(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) {
  const type = status >= 400 ? 'application/problem+json' : 'application/json';
  res.writeHead(status, { 'content-type': type, ...headers }).end(JSON.stringify(body));
}

export function todo(id: string, text: string, extra: Record<string, unknown> = {}) {
  const at = '2025-01-01T00:00:00.000Z';
  return {
    id,
    owner: 'alice',
    text,
    completed: false,
    dueDate: null,
    createdAt: at,
    updatedAt: at,
    ...extra,
  };
}

/** A stand-in for the to-do API on a real port: records requests, answers what the test says. */
export async function fakeApi(t: TestContext): Promise<FakeApi> {
  const requests: Recorded[] = [];
  let handler: FakeHandler = (_request, res) => json(res, 200, []);
  const server: Server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    req.on('end', () => {
      const recorded = {
        method: req.method ?? '',
        url: req.url ?? '',
        authorization: req.headers.authorization,
        body,
      };
      requests.push(recorded);
      handler(recorded, res);
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  t.after(() => new Promise<void>((done) => server.close(() => done())));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    handle(next) {
      handler = next;
    },
  };
}

/** `name=value` pairs of the set-cookie headers of an inject() answer. */
export function setCookies(headers: Record<string, unknown>): Map<string, string> {
  const raw = headers['set-cookie'];
  const list = Array.isArray(raw) ? raw : typeof raw === 'string' ? [raw] : [];
  const cookies = new Map<string, string>();
  for (const line of list) {
    const [pair = ''] = String(line).split(';');
    const at = pair.indexOf('=');
    cookies.set(pair.slice(0, at), String(line));
  }
  return cookies;
}

export function formBody(fields: Record<string, string>): string {
  return new URLSearchParams(fields).toString();
}

export const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

/**
 * True when `value` holds a JOSE object (JWT, JWS or JWE): base64url JSON with `alg`, followed by
 * dot-separated parts. A bare `eyJ` can occur by chance in random base64url; a decodable header cannot.
 */
export function containsJwt(value: string): boolean {
  for (const match of value.matchAll(/eyJ[A-Za-z0-9_-]+(?=\.[A-Za-z0-9_-]*\.)/g)) {
    try {
      const header: unknown = JSON.parse(Buffer.from(match[0], 'base64url').toString('utf8'));
      if (typeof header === 'object' && header !== null && 'alg' in header) return true;
    } catch {
      // random characters, not a header
    }
  }
  return false;
}
