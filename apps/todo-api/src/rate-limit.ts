/**
 * Per-caller rate limiting on rate-limiter-flexible. An authenticated call is counted against
 * its principal (tenant, else issuer, + subject), anything else against the client address (`request.ip`, which
 * `TRUST_PROXY` makes the client's rather than a load balancer's). Calls whose token was refused
 * are counted per address too, in a bucket of their own, so invalid tokens cannot bypass the
 * limit; once that bucket is spent, further invalid tokens from the address get 429. A valid
 * token is never refused for someone else's failures, even from a shared address (NAT, or a
 * proxy that is not trusted): it is verified first and counted only against its own caller.
 */
import type {
  FastifyReply,
  FastifyRequest,
  onRequestAsyncHookHandler,
  onResponseAsyncHookHandler,
} from 'fastify';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import type { RateLimitConfig } from './config.ts';
import { problem, sendProblem } from './problems.ts';

/** The store-agnostic part of rate-limiter-flexible that is used (Memory now, Redis later). */
export interface Limiter {
  consume(key: string): Promise<RateLimiterRes>;
  get(key: string): Promise<RateLimiterRes | null>;
}

export interface RateLimitOptions {
  config: RateLimitConfig;
  /** The caller's stable identity once authenticated, else null. */
  identify(request: FastifyRequest): string | null;
  /** Whether the request carries a valid token; asked only of addresses whose failure budget is spent. */
  isValidToken?(request: FastifyRequest): Promise<boolean>;
  /** Paths never limited (health probes). */
  exempt?: readonly string[];
  limiter?: Limiter;
}

export interface RateLimitHooks {
  /** onRequest, before authentication: refuses invalid tokens from addresses that spent their failure budget. */
  beforeAuth: onRequestAsyncHookHandler;
  /** onRequest, after authentication: counts the call against its caller. */
  afterAuth: onRequestAsyncHookHandler;
  /** onResponse: counts refused tokens against the IP. */
  onResponse: onResponseAsyncHookHandler;
}

const COUNTED = Symbol('todo-api.rateLimitCounted');
type Counted = FastifyRequest & { [COUNTED]?: boolean };

function retryAfterSeconds(res: RateLimiterRes): number {
  return Math.max(1, Math.ceil(res.msBeforeNext / 1000));
}

function tooMany(reply: FastifyReply, res: RateLimiterRes, points: number): FastifyReply {
  return sendProblem(reply, problem(429, 'ERR_RATE_LIMITED', 'Too many requests; retry later'), {
    'retry-after': String(retryAfterSeconds(res)),
    'ratelimit-limit': String(points),
    'ratelimit-remaining': '0',
    'ratelimit-reset': String(retryAfterSeconds(res)),
  });
}

function path(request: FastifyRequest): string {
  const url = request.url;
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

export function createRateLimit(options: RateLimitOptions): RateLimitHooks | null {
  if (!options.config.enabled) return null;
  const { points, durationSeconds } = options.config;
  const limiter: Limiter = options.limiter ?? new RateLimiterMemory({ points, duration: durationSeconds });
  const exempt = new Set(options.exempt ?? []);

  async function consume(request: FastifyRequest, reply: FastifyReply, key: string): Promise<void> {
    try {
      const res = await limiter.consume(key);
      reply.header('ratelimit-limit', String(points));
      reply.header('ratelimit-remaining', String(res.remainingPoints));
      reply.header('ratelimit-reset', String(retryAfterSeconds(res)));
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) {
        request.log.info({ rateLimited: key.split(':')[0] }, 'rate limit exceeded');
        await tooMany(reply, rejection, points);
        return;
      }
      // The limiter's store failed: serve the call rather than fail it.
      request.log.warn({ err: rejection }, 'rate limiter unavailable');
    }
  }

  return {
    async beforeAuth(request, reply) {
      if (exempt.has(path(request))) return;
      if (request.headers.authorization === undefined) {
        // No credentials: this call can only ever be anonymous, so count it against the IP now.
        (request as Counted)[COUNTED] = true;
        await consume(request, reply, `ip:${request.ip}`);
        return;
      }
      const failures = await limiter.get(`fail:${request.ip}`).catch(() => null);
      if (failures && failures.consumedPoints > points && !(await options.isValidToken?.(request))) {
        (request as Counted)[COUNTED] = true;
        await tooMany(reply, failures, points);
      }
    },
    async afterAuth(request, reply) {
      if ((request as Counted)[COUNTED] || exempt.has(path(request))) return;
      (request as Counted)[COUNTED] = true;
      const caller = options.identify(request);
      await consume(request, reply, caller === null ? `ip:${request.ip}` : `sub:${caller}`);
    },
    async onResponse(request) {
      // Reached only by calls answered before `afterAuth` ran: refused credentials, or a valid
      // token refused for scope (counted against its caller).
      if ((request as Counted)[COUNTED] || exempt.has(path(request))) return;
      const caller = options.identify(request);
      await limiter.consume(caller === null ? `fail:${request.ip}` : `sub:${caller}`).catch(() => undefined);
    },
  };
}
