/** What every bench server shares: the endpoint, its body, and small helpers for the peers. */
import type { IncomingMessage, Server } from 'node:http';
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
