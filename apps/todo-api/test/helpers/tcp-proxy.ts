/**
 * A TCP proxy the test controls, put between the API and PostgreSQL (or Redis) to cut the
 * database off without touching the shared server that other tests use.
 *
 * - `pause('cut')`: open connections are closed and new ones are closed as soon as they arrive,
 *   as when the server is down or restarting.
 * - `pause('hang')`: nothing passes either way and connections stay open, as when the network
 *   drops packets; only the caller's own timeouts end the wait.
 * - `resume()`: new connections pass again; the ones held during a hang are closed (broken).
 */
import { once } from 'node:events';
import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';

export type ProxyMode = 'open' | 'cut' | 'hang';

export interface TcpProxy {
  port: number;
  mode(): ProxyMode;
  pause(mode?: 'cut' | 'hang'): void;
  resume(): void;
  /** Connections currently passing through. */
  connections(): number;
  close(): Promise<void>;
}

interface Pair {
  client: Socket;
  upstream: Socket;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  let mode: ProxyMode = 'open';
  const pairs = new Set<Pair>();
  const held = new Set<Socket>();

  const hold = (socket: Socket): void => {
    held.add(socket);
    socket.on('error', () => undefined);
    socket.once('close', () => held.delete(socket));
  };

  const server: Server = createServer((client) => {
    if (mode === 'cut') {
      client.on('error', () => undefined);
      client.destroy();
      return;
    }
    if (mode === 'hang') {
      hold(client);
      return;
    }
    const upstream = connect(target.port, target.host);
    const pair = { client, upstream };
    pairs.add(pair);
    const end = (): void => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    for (const socket of [client, upstream]) {
      socket.on('error', end);
      socket.once('close', end);
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');

  return {
    port: (server.address() as AddressInfo).port,
    mode: () => mode,
    connections: () => pairs.size,
    pause(next = 'cut') {
      mode = next;
      for (const pair of [...pairs]) {
        if (next === 'cut') {
          pair.client.destroy();
          pair.upstream.destroy();
          continue;
        }
        pairs.delete(pair);
        pair.client.unpipe(pair.upstream);
        pair.upstream.unpipe(pair.client);
        pair.client.pause();
        pair.upstream.pause();
        hold(pair.client);
        hold(pair.upstream);
      }
    },
    resume() {
      mode = 'open';
      for (const socket of [...held]) socket.destroy();
    },
    async close() {
      mode = 'cut';
      for (const pair of [...pairs]) {
        pair.client.destroy();
        pair.upstream.destroy();
      }
      for (const socket of [...held]) socket.destroy();
      server.close();
      await once(server, 'close');
    },
  };
}
