/**
 * Imported at the end of a README server program when the test runs it: listens on a free loopback
 * port with the program's own application object and prints `listening <port>` for the test.
 * A README program registers its routes and stops there; where it would listen is the reader's.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

interface FastifyLike {
  listen(options: { port: number; host: string }): Promise<string>;
  readonly server: Server;
}
interface ExpressLike {
  listen(port: number, host: string, ready: () => void): Server;
}

function isFastify(app: unknown): app is FastifyLike {
  return typeof app === 'object' && app !== null && 'server' in app && 'listen' in app;
}

export async function listen(app: unknown): Promise<void> {
  let server: Server;
  if (isFastify(app)) {
    await app.listen({ port: 0, host: '127.0.0.1' });
    server = app.server;
  } else if (typeof app === 'function' && 'listen' in app) {
    const express = app as unknown as ExpressLike;
    server = await new Promise<Server>((resolve) => {
      const listening = express.listen(0, '127.0.0.1', () => resolve(listening));
    });
  } else {
    throw new Error('listen(): neither a Fastify instance nor an Express application');
  }
  console.log(`listening ${(server.address() as AddressInfo).port}`);
}
