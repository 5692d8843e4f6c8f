/** One autocannon run against one server (in this process, which run.ts pins to core 0). */
import autocannon from 'autocannon';

export interface LoadOptions {
  url: string;
  connections: number;
  /** Seconds. */
  duration: number;
  /** Stop after this many requests instead (the soak: each of `tokens` once). */
  amount?: number;
  /** Every request carries this token... */
  token?: string;
  /** ...or the next of these, round-robin over all connections. */
  tokens?: readonly string[];
}

export interface LoadResult {
  /** 2xx responses a second. */
  rps: number;
  /** Milliseconds. */
  p50: number;
  p99: number;
  completed: number;
  non2xx: number;
  errors: number;
  /** Seconds actually run. */
  duration: number;
  /** CPU time the load generator used, when it runs in its own process (wrk); autocannon's is this process's. */
  cpuUs?: number;
}

export function load(options: LoadOptions): Promise<LoadResult> {
  const { url, connections, duration, token, tokens, amount } = options;
  const base: autocannon.Options = { url, connections, timeout: 10, ...(amount ? { amount } : { duration }) };
  if (tokens && tokens.length > 0) {
    let next = 0;
    base.requests = [
      {
        method: 'GET',
        setupRequest: (request) => {
          request.headers = { ...request.headers, authorization: `Bearer ${tokens[next++ % tokens.length]}` };
          return request;
        },
      },
    ];
  } else if (token) {
    base.headers = { authorization: `Bearer ${token}` };
  }
  return new Promise((resolve, reject) => {
    autocannon(base, (error, result) => {
      if (error) {
        reject(error);
        return;
      }
      resolve({
        rps: result['2xx'] / result.duration,
        p50: result.latency.p50,
        p99: result.latency.p99,
        completed: result['1xx'] + result['2xx'] + result['3xx'] + result['4xx'] + result['5xx'],
        non2xx: result.non2xx,
        errors: result.errors + result.timeouts,
        duration: result.duration,
      });
    });
  });
}
