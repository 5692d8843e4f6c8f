/** Loopback ports for tests that start servers and child processes. */
import { once } from 'node:events';
import { createServer } from 'node:net';

/** A loopback port nothing listens on once this resolves: free to bind, and refusing connections. */
export async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((done) => {
    const server = createServer();
    server.once('error', () => done(false));
    server.listen(port, '127.0.0.1', () => server.close(() => done(true)));
  });
}

// Within one test file, a block is never handed out twice, even before anything listens on it.
const handedOut = new Set<number>();

/**
 * A port P with P, P+1 and P+2 free: `npm start` puts the API on PORT, the dev IdP on PORT+1 and the
 * web app on PORT+2, so a test of the whole system needs three in a row.
 */
export async function freePortBlock(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 30_000);
    if (handedOut.has(base) || handedOut.has(base + 1) || handedOut.has(base + 2)) continue;
    if ((await portIsFree(base)) && (await portIsFree(base + 1)) && (await portIsFree(base + 2))) {
      handedOut
        .add(base)
        .add(base + 1)
        .add(base + 2);
      return base;
    }
  }
  throw new Error('no three consecutive free ports found');
}
