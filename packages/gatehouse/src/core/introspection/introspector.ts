import { IntrospectionUnavailableError, InvalidTokenError } from '../errors.ts';
import type { IssuerValidator } from '../issuer-validator.ts';
import { postForm } from '../keys/fetch-json.ts';
import { isAcceptableRemoteUrl } from '../keys/url-policy.ts';
import type { Logger } from '../logger.ts';
import type { GatehouseOptions, ResolvedOptions } from '../options.ts';
import type { Principal } from '../principal.ts';
import { judgeAnswer } from './answer.ts';
import { CircuitBreaker } from './breaker.ts';
import { IntrospectionCache, type Outcome, tokenKey } from './cache.ts';
import { authenticateClient } from './client-auth.ts';
import type { ResolvedIntrospection } from './options.ts';

export interface IntrospectorSettings {
  validator: IssuerValidator;
  config: ResolvedIntrospection;
  /** Seconds. */
  clockTolerance: number;
  /** Seconds. */
  maxTokenAge: number;
  now: () => number;
  logger: Logger;
  fetch?: typeof fetch;
  /** Largest answer accepted, in bytes. */
  maxBytes: number;
  /** Milliseconds: the longest the circuit stays open. */
  retryInterval: number;
  /** Most answers held in the cache. */
  maxEntries: number;
}

/** RFC 6750 §2.1 `b64token`: anything else in the Bearer slot is no token, and is never sent anywhere. */
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

/** Distinct tokens being introspected at once; beyond this, 503 (outbound requests stay bounded). */
const MAX_IN_FLIGHT = 64;

/** Failures in a row that open the circuit. */
const FAILURE_THRESHOLD = 3;

/** An OAuth error code from an error answer (RFC 6749 §5.2), only if it is one: never free text. */
function errorCode(body: Record<string, unknown> | undefined): string | undefined {
  const code = body?.error;
  return typeof code === 'string' && /^[a-z_]{1,64}$/.test(code) ? code : undefined;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Validates opaque access tokens of one issuer at its introspection endpoint (RFC 7662): one POST
 * per distinct token at a time (concurrent requests for a token share it), answers cached by token
 * hash, a circuit breaker in front of a failing endpoint. An active answer becomes the same
 * Principal a JWT with those claims would, after the same `iss`, `aud`, `exp`, `nbf`, `iat` and
 * lifetime rules.
 */
export class Introspector {
  readonly #s: IntrospectorSettings;
  readonly #cache: IntrospectionCache;
  readonly #breaker: CircuitBreaker;
  readonly #inFlight = new Map<string, Promise<Outcome>>();
  /** POSTs made to the endpoint (for status and tests). */
  requests = 0;

  constructor(settings: IntrospectorSettings) {
    this.#s = settings;
    this.#cache = new IntrospectionCache(settings.maxEntries);
    this.#breaker = new CircuitBreaker({
      threshold: FAILURE_THRESHOLD,
      minBackoff: Math.min(1000, settings.retryInterval),
      maxBackoff: settings.retryInterval,
      now: settings.now,
    });
  }

  /** The principal at once from the cache, else a promise; a refusal throws (or rejects). */
  verify(token: string): Principal | Promise<Principal> {
    if (!B64TOKEN.test(token)) {
      throw new InvalidTokenError('ERR_TOKEN_MALFORMED', {
        description: 'The token is malformed',
        detail: 'token is neither a JWT nor an RFC 6750 b64token',
      });
    }
    const key = tokenKey(token);
    const cached = this.#cache.get(key, this.#s.now());
    if (cached !== undefined) return unwrap(cached);
    const pending = this.#inFlight.get(key);
    if (pending !== undefined) return pending.then(unwrap);
    if (this.#inFlight.size >= MAX_IN_FLIGHT) {
      throw new IntrospectionUnavailableError({
        detail: `${MAX_IN_FLIGHT} introspection requests are already in flight`,
        retryAfter: 1,
      });
    }
    const wait = this.#breaker.wait();
    if (wait > 0) {
      throw new IntrospectionUnavailableError({
        detail: `the introspection endpoint failed ${FAILURE_THRESHOLD} times in a row; not called for another ${Math.ceil(wait / 1000)} s`,
        retryAfter: Math.ceil(wait / 1000),
      });
    }
    const flight = this.#introspect(token, key).finally(() => this.#inFlight.delete(key));
    this.#inFlight.set(key, flight);
    return flight.then(unwrap);
  }

  async #introspect(token: string, key: string): Promise<Outcome> {
    const { config, logger, validator } = this.#s;
    const name = validator.config.name;
    let endpoint: string;
    let issuer: string;
    try {
      issuer = await validator.trustedIssuer();
      endpoint = await this.#endpoint();
    } catch (error) {
      throw this.#failure(`introspection endpoint unknown: ${message(error)}`);
    }
    // RFC 7662 §2.1: the token, a hint, and the client authentication of this resource server.
    const form = new URLSearchParams({ token, token_type_hint: 'access_token' });
    const headers: Record<string, string> = {};
    const { credential } = config;
    try {
      await authenticateClient({ credential, issuer, now: this.#s.now, form, headers });
    } catch (error) {
      logger.error?.(
        { issuer: name, clientId: credential.clientId, err: message(error) },
        'gatehouse: could not sign the introspection client assertion; check introspection.privateKey',
      );
      throw this.#failure(`client assertion could not be signed: ${message(error)}`);
    }
    this.requests++;
    let answer: Awaited<ReturnType<typeof postForm>>;
    try {
      answer = await postForm(endpoint, form, headers, {
        timeout: config.timeout,
        maxBytes: this.#s.maxBytes,
        ...(this.#s.fetch ? { fetch: this.#s.fetch } : {}),
      });
    } catch (error) {
      logger.warn?.(
        { issuer: name, endpoint, err: message(error) },
        'gatehouse: introspection request failed',
      );
      throw this.#failure(message(error));
    }
    const { status, body } = answer;
    if (status === 400 || status === 401 || status === 403) {
      // RFC 7662 §2.3: 401 when our credentials are invalid. Our configuration is wrong, not the
      // client's token: say so loudly, answer 503, and never blame the token with a 401.
      const code = errorCode(body);
      logger.error?.(
        { issuer: name, endpoint, status, ...(code ? { error: code } : {}), clientId: credential.clientId },
        `gatehouse: the introspection endpoint refused this API's client authentication (HTTP ${status}${code ? ` ${code}` : ''}); check introspection.clientId and its ${credential.method === 'client_secret_basic' ? 'clientSecret' : 'privateKey'}`,
      );
      throw this.#failure(
        `POST ${endpoint}: HTTP ${status}${code ? ` ${code}` : ''} (client authentication refused)`,
      );
    }
    if (status !== 200 || body === undefined || typeof body.active !== 'boolean') {
      const why = status !== 200 ? `HTTP ${status}` : 'answer is not a JSON object with a boolean "active"';
      logger.warn?.({ issuer: name, endpoint, status }, `gatehouse: introspection failed: ${why}`);
      throw this.#failure(`POST ${endpoint}: ${why}`);
    }
    this.#breaker.succeeded();
    const { clockTolerance, maxTokenAge } = this.#s;
    const outcome = judgeAnswer(body, {
      validator,
      template: issuer,
      clockTolerance,
      maxTokenAge,
      now: this.#s.now(),
    });
    const now = this.#s.now();
    let until = now + config.cacheMaxAge * 1000;
    if ('principal' in outcome) until = Math.min(until, outcome.principal.expiresAt * 1000);
    this.#cache.set(key, outcome, until, now);
    return outcome;
  }

  /** A failure of the endpoint: counted by the breaker, answered 503 with its back-off. */
  #failure(detail: string): IntrospectionUnavailableError {
    const backoff = this.#breaker.failed();
    return new IntrospectionUnavailableError({
      detail: `introspection unavailable: ${detail}`,
      retryAfter: Math.max(1, Math.ceil(backoff / 1000)),
    });
  }

  async #endpoint(): Promise<string> {
    const configured = this.#s.config.endpoint;
    if (configured !== undefined) return configured;
    const metadata = await this.#s.validator.keys.metadata.get();
    const found = metadata.introspection_endpoint;
    if (typeof found !== 'string' || !isAcceptableRemoteUrl(found)) {
      this.#s.logger.error?.(
        { issuer: this.#s.validator.config.name },
        'gatehouse: the issuer metadata has no usable introspection_endpoint; set introspection.endpoint',
      );
      throw new Error('the issuer metadata has no usable https "introspection_endpoint"');
    }
    return found;
  }
}

function unwrap(outcome: Outcome): Principal {
  if ('principal' in outcome) return outcome.principal;
  throw outcome.error;
}

/** RFC 7662: opaque tokens of the one issuer that configures introspection, if one does. */
export function introspectorFor(
  validators: readonly IssuerValidator[],
  resolved: ResolvedOptions,
  options: GatehouseOptions,
  logger: Logger,
  now: () => number,
): Introspector | undefined {
  const introspecting = validators.find((v) => v.config.introspection !== undefined);
  if (introspecting === undefined) return undefined;
  return new Introspector({
    validator: introspecting,
    config: introspecting.config.introspection!,
    clockTolerance: resolved.clockTolerance,
    maxTokenAge: resolved.maxTokenAge,
    now,
    logger,
    ...(options.fetch ? { fetch: options.fetch } : {}),
    maxBytes: resolved.keys.maxBytes,
    retryInterval: resolved.keys.retryInterval,
    maxEntries: resolved.cache.maxEntries,
  });
}
