/** What every bench server shares: the endpoint, its body, and small helpers for the peers. */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Started } from '../lib/protocol.ts';

/** The endpoint every server protects (the to-do cases use the to-do API's own route). */
export const PATH = '/items';

/** A small JSON array, serialised by each framework on every request. */
export const ITEMS = [
  { id: 1, title: 'Write the benchmark', done: true },
  { id: 2, title: 'Read the profile', done: false },
  { id: 3, title: 'Make it faster', done: false },
];

/** `Authorization: Bearer <token>` as the peers without their own extraction read it. */
export function bearer(req: IncomingMessage): string | undefined {
  const value = req.headers.authorization;
  if (value === undefined || value.length < 8 || value.slice(0, 7).toLowerCase() !== 'bearer ')
    return undefined;
  return value.slice(7);
}

/** Entra's `scp` (space-separated) holds the scope; the peers' routes check it like Gatehouse's. */
export function hasScope(claims: Readonly<Record<string, unknown>> | undefined, scope: string): boolean {
  const scp = claims?.scp;
  return typeof scp === 'string' && scp.split(' ').includes(scope);
}

/** The port a Fastify app listens on. */
export function fastifyPort(app: { server: Server }): number {
  return (app.server.address() as AddressInfo).port;
}

/** Listens on a free loopback port. */
export function listen(server: Server): Promise<Started> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        port,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}

/** Polls until `condition` holds (keys loaded), so a server reports listening only when ready. */
export async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('not ready in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

type Claims = Readonly<Record<string, unknown>>;

/**
 * The node:http server of a peer that verifies a token with one call: 404 off the endpoint, 401
 * without a token or when `verify` refuses it (throws, rejects or gives undefined), 403 without
 * the scope, the items otherwise. A `verify` that answers at once is answered in the same tick.
 */
export function peerServer(
  scope: string,
  verify: (token: string) => Claims | undefined | Promise<Claims>,
): Server {
  return createServer((req, res) => {
    if (req.method !== 'GET' || req.url !== PATH) {
      res.writeHead(404).end();
      return;
    }
    const token = bearer(req);
    if (token === undefined) {
      res.writeHead(401, { 'www-authenticate': 'Bearer' }).end();
      return;
    }
    const answer = (claims: Claims | undefined): void => {
      if (claims === undefined)
        res.writeHead(401, { 'www-authenticate': 'Bearer error="invalid_token"' }).end();
      else if (!hasScope(claims, scope)) res.writeHead(403).end();
      else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(ITEMS));
    };
    let outcome: Claims | undefined | Promise<Claims>;
    try {
      outcome = verify(token);
    } catch {
      outcome = undefined;
    }
    if (outcome instanceof Promise) outcome.then(answer, () => answer(undefined));
    else answer(outcome);
  });
}
