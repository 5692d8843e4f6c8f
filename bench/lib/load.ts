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
  /** ...or the next of these, round-robin over all connections... */
  tokens?: readonly string[];
  /** ...or this token with the DPoP scheme, each request with the next proof, none used twice. */
  dpop?: DpopLoad;
}

export interface DpopLoad {
  token: string;
  /** One a request; once they run out, requests go without a proof (and are refused). */
  proofs: readonly string[];
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
  /** DPoP runs: requests sent without a proof because the proofs ran out (a broken run). */
  proofsRunOut?: number;
}

export function load(options: LoadOptions): Promise<LoadResult> {
  const { url, connections, duration, token, tokens, amount, dpop } = options;
  const base: autocannon.Options = { url, connections, timeout: 10, ...(amount ? { amount } : { duration }) };
  let used = 0;
  let runOut = 0;
  if (dpop) {
    base.requests = [
      {
        method: 'GET',
        setupRequest: (request) => {
          const proof = dpop.proofs[used];
          if (proof === undefined) runOut++;
          else used++;
          request.headers = {
            ...request.headers,
            authorization: `DPoP ${dpop.token}`,
            ...(proof === undefined ? {} : { dpop: proof }),
          };
          return request;
        },
      },
    ];
  } else if (tokens && tokens.length > 0) {
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
        ...(dpop ? { proofsRunOut: runOut } : {}),
      });
    });
  });
}
