import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { decodeProtectedHeader, type JWTHeaderParameters, type JWTPayload } from 'jose';
import {
  ConfigurationError,
  type GatehouseError,
  InvalidTokenError,
  isGatehouseError,
  MissingTokenError,
} from '../core/errors.ts';
import { extractBearerToken, type RequestLike } from '../core/extract.ts';
import { createGatehouse, type Gatehouse } from '../core/gatehouse.ts';
import type { AsymmetricAlgorithm } from '../core/key-store.ts';
import type { GatehouseOptions } from '../core/options.ts';
import { requireScopes } from '../core/policy.ts';
import { type Principal, stringList } from '../core/principal.ts';
import { errorResponse } from '../core/response.ts';
// For the `req.principal` declaration this module sets too.
import type {} from './express.ts';

/**
 * express-jwt (6 as `jwt`, 7+ as `expressjwt`) + jwks-rsa's `expressJwtSecret` + express-jwt-authz,
 * rebuilt on Gatehouse so that code written for them runs with only its require lines changed.
 * Every option either keeps its original meaning or is refused when the middleware is created:
 * an option that silently stopped working (a revocation check above all) would be a security hole.
 * HMAC secrets are refused, and the JWKS URL must be https (loopback excepted).
 */

const PREFIX = 'gatehouse-auth/express-jwt';

function refuse(option: string, why: string): never {
  throw new ConfigurationError(`${PREFIX}: ${option}`, why);
}

function checkKeys(given: object, known: readonly string[], where: string): void {
  for (const key of Object.keys(given)) {
    if (!known.includes(key)) refuse(`${where} ${key}`, 'is not supported (refused rather than ignored)');
  }
}

// ---------------------------------------------------------------------------------------------
// jwks-rsa

/** jwks-rsa's `expressJwtSecret` options that keep a meaning here. */
export interface ExpressJwtSecretOptions {
  jwksUri: string;
  /** Keys are always cached (and refetched on an unknown `kid`); `false` cannot turn that off. */
  cache?: boolean;
  /** The whole key set of the issuer is kept, bounded by its size in bytes, not by a count. */
  cacheMaxEntries?: number;
  /** Milliseconds a fetched key set is trusted before it is refreshed (in the background). */
  cacheMaxAge?: number;
  /** Unknown-`kid` refetches are always limited; `jwksRequestsPerMinute` sets how often. */
  rateLimit?: boolean;
  /** At most this many unknown-`kid` refetches a minute (never fewer than 2: the gap is at most 30 s). */
  jwksRequestsPerMinute?: number;
  /** Milliseconds before a key-set fetch is abandoned. */
  timeout?: number;
  /** Sent with every metadata and key-set request (e.g. an API gateway's key). */
  requestHeaders?: Record<string, string>;
}

const SECRET_OPTIONS = [
  'jwksUri',
  'cache',
  'cacheMaxEntries',
  'cacheMaxAge',
  'rateLimit',
  'jwksRequestsPerMinute',
  'timeout',
  'requestHeaders',
] as const;

const JWKS_SECRET = Symbol('gatehouse-auth jwks secret');

/** What `expressJwtSecret` returns: where the keys are and how to fetch them. */
export interface JwksSecret {
  readonly jwksUri: string;
  readonly [JWKS_SECRET]: ExpressJwtSecretOptions;
}

function positive(value: unknown, option: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0)
    refuse(`expressJwtSecret ${option}`, 'must be a positive number');
  return value;
}

/** jwks-rsa's `expressJwtSecret`. */
export function expressJwtSecret(options: ExpressJwtSecretOptions): JwksSecret {
  if (typeof options?.jwksUri !== 'string') refuse('expressJwtSecret jwksUri', 'is required');
  checkKeys(options, SECRET_OPTIONS, 'expressJwtSecret');
  positive(options.cacheMaxEntries, 'cacheMaxEntries');
  positive(options.cacheMaxAge, 'cacheMaxAge');
  positive(options.jwksRequestsPerMinute, 'jwksRequestsPerMinute');
  positive(options.timeout, 'timeout');
  if (options.requestHeaders !== undefined) {
    const headers = options.requestHeaders;
    if (
      typeof headers !== 'object' ||
      headers === null ||
      Object.values(headers).some((v) => typeof v !== 'string')
    )
      refuse('expressJwtSecret requestHeaders', 'must be an object of strings');
  }
  return { jwksUri: options.jwksUri, [JWKS_SECRET]: { ...options } };
}

function keyOptions(secret: ExpressJwtSecretOptions): Pick<GatehouseOptions, 'keys' | 'fetch'> {
  const keys: NonNullable<GatehouseOptions['keys']> = {
    ...(secret.cacheMaxAge !== undefined ? { maxAge: secret.cacheMaxAge } : {}),
    ...(secret.timeout !== undefined ? { timeout: secret.timeout } : {}),
    ...(secret.jwksRequestsPerMinute !== undefined
      ? { cooldown: Math.min(30_000, Math.ceil(60_000 / secret.jwksRequestsPerMinute)) }
      : {}),
  };
  const extra = secret.requestHeaders;
  return {
    keys,
    ...(extra
      ? {
          fetch: (input: Parameters<typeof fetch>[0], init?: RequestInit) => {
            const headers = new Headers(init?.headers);
            for (const [name, value] of Object.entries(extra))
              if (!headers.has(name)) headers.set(name, value);
            return fetch(input, { ...init, headers });
          },
        }
      : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// express-jwt

export type UnauthorizedErrorCode =
  | 'credentials_required'
  | 'credentials_bad_scheme'
  | 'credentials_bad_format'
  | 'invalid_token'
  | 'revoked_token';

/**
 * express-jwt's error, passed to `next()` as express-jwt passes it, so error handlers that test
 * `err.name === 'UnauthorizedError'` or `err.code` keep working. `inner` is the Gatehouse error
 * (its `code` says exactly why). `headers` carries the RFC 6750 challenge: Express's default
 * error handler copies `err.headers` onto the answer.
 */
export class UnauthorizedError extends Error {
  override readonly name = 'UnauthorizedError';
  readonly code: UnauthorizedErrorCode;
  readonly status: number;
  readonly inner: Error;
  readonly headers: Record<string, string>;

  constructor(code: UnauthorizedErrorCode, inner: Error, status = 401, headers: Record<string, string> = {}) {
    // A Gatehouse error's message is its operator detail (it may quote the token's claims); the
    // description is what a client may see, and Express's default handler shows the message.
    super(isGatehouseError(inner) ? inner.description : inner.message);
    this.code = code;
    this.status = status;
    this.inner = inner;
    this.headers = headers;
    // A refused token is the client's doing, not a bug: Express's default handler prints
    // err.stack outside production, and frames would only show the server's paths.
    this.stack = `${this.name}: ${this.message}`;
  }
}

/** What Gatehouse answers when no token verdict applies (keys unavailable: 503 + Retry-After). */
export class GatehouseHttpError extends Error {
  override readonly name = 'GatehouseHttpError';
  readonly status: number;
  readonly statusCode: number;
  readonly inner: unknown;
  readonly headers: Record<string, string>;

  constructor(status: number, message: string, inner: unknown, headers: Record<string, string>) {
    super(message);
    this.status = status;
    this.statusCode = status;
    this.inner = inner;
    this.headers = headers;
    this.stack = `${this.name}: ${this.message}`;
  }
}

const CHALLENGE_HEADERS = ['www-authenticate', 'retry-after'];

function challengeHeaders(error: unknown, realm: string): Record<string, string> {
  const { headers } = errorResponse(error, realm);
  return Object.fromEntries(Object.entries(headers).filter(([name]) => CHALLENGE_HEADERS.includes(name)));
}

/** express-jwt's code for a request that carried no usable token, judged from its header's shape. */
function missingCode(req: Request): UnauthorizedErrorCode {
  const header = req.headers.authorization;
  if (!header) return 'credentials_required';
  const parts = header.split(' ');
  if (parts.length !== 2) return 'credentials_bad_format';
  return /^Bearer$/i.test(parts[0]!) ? 'credentials_required' : 'credentials_bad_scheme';
}

function toExpressError(error: unknown, req: Request, realm: string, fromHeader: boolean): Error {
  const headers = challengeHeaders(error, realm);
  if (!isGatehouseError(error)) return new GatehouseHttpError(500, 'Internal error', error, headers);
  const gatehouseError: GatehouseError = error;
  if (gatehouseError.code === 'ERR_TOKEN_MISSING')
    return new UnauthorizedError(
      fromHeader ? missingCode(req) : 'credentials_required',
      gatehouseError,
      401,
      headers,
    );
  if (gatehouseError.code === 'ERR_REQUEST_INVALID')
    return new UnauthorizedError('credentials_bad_format', gatehouseError, gatehouseError.status, headers);
  if (gatehouseError.status === 401) {
    // `Bearer` with nothing after it: express-jwt names the header's shape, not the token.
    const badFormat = fromHeader && missingCode(req) === 'credentials_bad_format';
    return new UnauthorizedError(
      badFormat ? 'credentials_bad_format' : 'invalid_token',
      gatehouseError,
      401,
      headers,
    );
  }
  return new GatehouseHttpError(gatehouseError.status, gatehouseError.description, gatehouseError, headers);
}

function revokedError(realm: string): UnauthorizedError {
  // RFC 6750 has no code of its own for a revoked token: it is one more invalid_token.
  const inner = new InvalidTokenError('ERR_TOKEN_CLAIM', {
    description: 'The token has been revoked.',
    detail: 'isRevoked answered true',
  });
  return new UnauthorizedError('revoked_token', inner, 401, challengeHeaders(inner, realm));
}

/** A decoded token as express-jwt 7+ hands it to `isRevoked`. */
export interface DecodedToken {
  header: JWTHeaderParameters;
  payload: JWTPayload;
  signature: string;
}

export type TokenGetter = (req: Request) => string | undefined | null | Promise<string | undefined | null>;

interface CommonOptions {
  secret: JwksSecret;
  /** Required: without it a token the issuer minted for any other API would pass. */
  audience: string | string[];
  issuer: string | string[];
  algorithms?: AsymmetricAlgorithm[];
  /** @default true */
  credentialsRequired?: boolean;
  /**
   * Supplies the token instead of the Authorization header. Whatever source it reads (a query
   * parameter, a cookie) becomes a place tokens are accepted from, with that source's risks.
   */
  getToken?: TokenGetter;
  /** Seconds of clock skew allowed on `exp`/`nbf` (jsonwebtoken's option). @default 60 */
  clockTolerance?: number;
}

/** express-jwt 6's options (`jwt(...)`). */
export interface ExpressJwt6Options extends CommonOptions {
  /** Where the claims go (a dotted path). @default 'user' */
  requestProperty?: string;
  /** express-jwt 6's older name for `requestProperty`; wins when both are given. */
  userProperty?: string;
  /** Puts the claims on `res` at this path instead of on `req`. */
  resultProperty?: string;
  isRevoked?: (req: Request, payload: JWTPayload, done: (error?: unknown, revoked?: boolean) => void) => void;
}

/** express-jwt 7+'s options (`expressjwt(...)`). */
export interface ExpressJwtOptions extends CommonOptions {
  /** Where the claims go (a dotted path). @default 'auth' */
  requestProperty?: string;
  isRevoked?: (req: Request, token: DecodedToken | undefined) => boolean | Promise<boolean>;
}

declare module 'express-serve-static-core' {
  interface Request {
    /** Verified token claims, as express-jwt 7+ sets them. */
    auth?: JWTPayload;
  }
}

const COMMON = [
  'secret',
  'audience',
  'issuer',
  'algorithms',
  'credentialsRequired',
  'getToken',
  'clockTolerance',
];
const V6 = [...COMMON, 'requestProperty', 'userProperty', 'resultProperty', 'isRevoked'];
const V7 = [...COMMON, 'requestProperty', 'isRevoked'];

const WHY: Record<string, string> = {
  onExpired: 'is refused: Gatehouse never accepts an expired token (clockTolerance covers clock skew)',
  ignoreExpiration: 'is refused: Gatehouse never accepts an expired token',
  ignoreNotBefore: 'is refused: Gatehouse always checks nbf',
};

/** The realm of the middleware that verified a request, for jwtAuthz's challenge. */
const realms = new WeakMap<Request, string>();

const UNSAFE_SEGMENT = new Set(['__proto__', 'prototype', 'constructor']);

function propertyPath(value: unknown, option: string): string[] {
  if (typeof value !== 'string' || value.length === 0) refuse(option, 'must be a non-empty string');
  const path = value.split('.');
  if (path.some((s) => s.length === 0 || UNSAFE_SEGMENT.has(s)))
    refuse(option, `cannot be ${JSON.stringify(value)}`);
  return path;
}

/** lodash.set, as express-jwt uses it for requestProperty: a dotted path, created as needed. */
function setPath(target: object, path: readonly string[], value: unknown): void {
  let at = target as Record<string, unknown>;
  for (const segment of path.slice(0, -1)) {
    const next = at[segment];
    if (typeof next !== 'object' || next === null) at[segment] = {};
    at = at[segment] as Record<string, unknown>;
  }
  at[path[path.length - 1]!] = value;
}

function buildGatehouse(options: CommonOptions, allowed: readonly string[], name: string): Gatehouse {
  if (typeof options !== 'object' || options === null) refuse(name, 'needs an options object');
  for (const key of Object.keys(options)) {
    if (!allowed.includes(key))
      refuse(`${name} ${key}`, WHY[key] ?? 'is not supported (refused rather than ignored)');
  }
  const secret = options.secret as Partial<JwksSecret> | undefined;
  if (
    typeof secret !== 'object' ||
    secret === null ||
    typeof secret.jwksUri !== 'string' ||
    !secret[JWKS_SECRET]
  )
    refuse(
      `${name} secret`,
      'must be expressJwtSecret({ jwksUri }): shared (HMAC) secrets and key callbacks are refused',
    );
  if (options.audience === undefined)
    refuse(`${name} audience`, 'is required: without it a token for any API of the issuer would pass');
  if (options.issuer === undefined) refuse(`${name} issuer`, 'is required');
  if (options.getToken !== undefined && typeof options.getToken !== 'function')
    refuse(`${name} getToken`, 'must be a function');
  if (options.credentialsRequired !== undefined && typeof options.credentialsRequired !== 'boolean')
    refuse(`${name} credentialsRequired`, 'must be true or false');
  const issuers = Array.isArray(options.issuer) ? options.issuer : [options.issuer];
  const gatehouse = createGatehouse({
    issuers: issuers.map((issuer) => ({ issuer, jwksUri: secret.jwksUri, audience: options.audience })),
    ...(options.algorithms ? { algorithms: options.algorithms } : {}),
    ...(options.clockTolerance !== undefined ? { clockTolerance: options.clockTolerance } : {}),
    ...keyOptions(secret[JWKS_SECRET]),
  });
  gatehouse.start();
  return gatehouse;
}

interface Verified {
  principal: Principal;
  token: string;
}

/**
 * The shared part of both versions: the token (from `getToken` or the Authorization header) and
 * its verification by Gatehouse. `null` when no token came and none is required.
 */
async function verifyRequest(
  gatehouse: Gatehouse,
  options: CommonOptions,
  req: Request,
): Promise<Verified | null> {
  const optional = options.credentialsRequired === false;
  let source: RequestLike = req;
  if (options.getToken) {
    const supplied = await options.getToken(req);
    if (supplied === undefined || supplied === null || supplied === '') {
      if (optional) return null;
      return Promise.reject(new UnauthorizedError('credentials_required', new MissingTokenError()));
    }
    if (typeof supplied !== 'string') throw new TypeError(`${PREFIX}: getToken must return a string`);
    source = { headers: { authorization: `Bearer ${supplied}` } };
  }
  const principal = await gatehouse.authenticate(source, { optional });
  if (!principal) return null;
  return { principal, token: extractBearerToken(source) ?? '' };
}

/** express-jwt 6 and earlier skip CORS preflights that announce an Authorization header. */
function isPreflight(req: Request): boolean {
  const announced = req.headers['access-control-request-headers'];
  return (
    req.method === 'OPTIONS' &&
    typeof announced === 'string' &&
    announced
      .split(',')
      .map((h) => h.trim().toLowerCase())
      .includes('authorization')
  );
}

function decoded(token: string, payload: JWTPayload): DecodedToken {
  return {
    header: decodeProtectedHeader(token) as JWTHeaderParameters,
    payload,
    signature: token.split('.')[2] ?? '',
  };
}

function failWith(next: NextFunction, req: Request, realm: string, fromHeader: boolean) {
  return (error: unknown) => {
    if (error instanceof UnauthorizedError || error instanceof GatehouseHttpError) {
      if (error instanceof UnauthorizedError && Object.keys(error.headers).length === 0)
        Object.assign(error.headers, challengeHeaders(error.inner, realm));
      return next(error);
    }
    // Errors of the application's own callbacks (getToken, isRevoked) reach its error handler as they are.
    if (!isGatehouseError(error)) return next(error);
    next(toExpressError(error, req, realm, fromHeader));
  };
}

/**
 * express-jwt 6's `jwt(...)`: claims on `req.user` (or `requestProperty`/`userProperty`, or on
 * `res` at `resultProperty`), `isRevoked(req, payload, done)`, failures as `UnauthorizedError`.
 */
export function jwt(options: ExpressJwt6Options): RequestHandler {
  const gatehouse = buildGatehouse(options, V6, 'jwt');
  const realm = gatehouse.options.realm;
  const isRevoked = options.isRevoked;
  if (isRevoked !== undefined && (typeof isRevoked !== 'function' || isRevoked.length < 3))
    refuse(
      'jwt isRevoked',
      'must be (req, payload, done) as in express-jwt 6; an async (req, token) check needs expressjwt()',
    );
  const onResponse = options.resultProperty !== undefined;
  const path = onResponse
    ? propertyPath(options.resultProperty, 'jwt resultProperty')
    : propertyPath(options.userProperty ?? options.requestProperty ?? 'user', 'jwt requestProperty');
  return (req: Request, res: Response, next: NextFunction) => {
    if (isPreflight(req)) return next();
    verifyRequest(gatehouse, options, req)
      .then(async (verified) => {
        if (!verified) return next();
        const claims = verified.principal.claims;
        if (isRevoked) {
          const revoked = await new Promise<boolean>((resolve, reject) => {
            const done = (error?: unknown, answer?: boolean) =>
              error ? reject(error) : resolve(answer === true);
            isRevoked(req, claims, done);
          });
          if (revoked) throw revokedError(realm);
        }
        req.principal = verified.principal;
        realms.set(req, realm);
        setPath(onResponse ? res : req, path, claims);
        next();
      })
      .catch(failWith(next, req, realm, !options.getToken));
  };
}

/** express-jwt 7+'s `expressjwt(...)`: claims on `req.auth`, `isRevoked(req, token)` may be async. */
export function expressjwt(options: ExpressJwtOptions): RequestHandler {
  const gatehouse = buildGatehouse(options, V7, 'expressjwt');
  const realm = gatehouse.options.realm;
  const isRevoked = options.isRevoked;
  if (isRevoked !== undefined && typeof isRevoked !== 'function')
    refuse('expressjwt isRevoked', 'must be a function');
  // A 3-argument callback would be called without `done` and never answer "revoked".
  if (isRevoked && isRevoked.length >= 3)
    refuse(
      'expressjwt isRevoked',
      'takes (req, payload, done), express-jwt 6 form: use jwt() or an async (req, token) => boolean',
    );
  const path = propertyPath(options.requestProperty ?? 'auth', 'expressjwt requestProperty');
  return (req: Request, _res: Response, next: NextFunction) => {
    if (isPreflight(req)) return next();
    verifyRequest(gatehouse, options, req)
      .then(async (verified) => {
        if (!verified) return next();
        const claims = verified.principal.claims;
        if (isRevoked && (await isRevoked(req, decoded(verified.token, claims)))) throw revokedError(realm);
        req.principal = verified.principal;
        realms.set(req, realm);
        setPath(req, path, claims);
        next();
      })
      .catch(failWith(next, req, realm, !options.getToken));
  };
}

// ---------------------------------------------------------------------------------------------
// express-jwt-authz

export interface JwtAuthzOptions {
  /** Require every listed scope rather than any one. @default false */
  checkAllScopes?: boolean;
  /** The claim holding scopes; Auth0 RBAC: 'permissions'. @default 'scope' */
  customScopeKey?: string;
  /** Where the claims are on the request. @default 'user' (then 'auth', where expressjwt() puts them) */
  customUserKey?: string;
  /** Pass a 403 error to `next()` instead of answering. @default false */
  failWithError?: boolean;
}

const AUTHZ_OPTIONS = ['checkAllScopes', 'customScopeKey', 'customUserKey', 'failWithError'];

/** express-jwt-authz's refusal with `failWithError`: a 403 for the application's error handler. */
export class InsufficientScopeHttpError extends Error {
  override readonly name = 'InsufficientScopeError';
  readonly status = 403;
  readonly statusCode = 403;
  readonly error = 'Forbidden';
  readonly headers: Record<string, string>;
  readonly inner: GatehouseError;
  constructor(inner: GatehouseError, headers: Record<string, string>) {
    super('Insufficient scope');
    this.inner = inner;
    this.headers = headers;
    this.stack = `${this.name}: ${this.message}`;
  }
}

/** lodash.get as express-jwt-authz reads keys: the key as it is, else a dotted path. */
function lookup(holder: unknown, key: string): unknown {
  if (typeof holder !== 'object' || holder === null) return undefined;
  const record = holder as Record<string, unknown>;
  if (Object.hasOwn(record, key)) return record[key];
  let at: unknown = holder;
  for (const segment of key.split('.')) {
    if (typeof at !== 'object' || at === null || !Object.hasOwn(at, segment)) return undefined;
    at = (at as Record<string, unknown>)[segment];
  }
  return at;
}

const NOBODY: Principal = Object.freeze({
  subject: '',
  issuer: '',
  issuerSubject: '',
  tenant: undefined,
  clientId: undefined,
  scopes: [],
  roles: [],
  isApp: false,
  policy: undefined,
  expiresAt: 0,
  claims: {},
});

/**
 * express-jwt-authz's scope check, decided by the core policy (`requireScopes`). Refused: 403
 * with body `Insufficient scope` and an RFC 6750 `insufficient_scope` challenge naming the scopes.
 */
export function jwtAuthz(expectedScopes: string[], options: JwtAuthzOptions = {}): RequestHandler {
  if (!Array.isArray(expectedScopes) || expectedScopes.length === 0)
    refuse('jwtAuthz scopes', 'must be a non-empty array (an empty one would let every token through)');
  checkKeys(options, AUTHZ_OPTIONS, 'jwtAuthz');
  const scopeKey = options.customScopeKey ?? 'scope';
  const requirement = requireScopes(expectedScopes, { match: options.checkAllScopes ? 'all' : 'any' });
  return (req: Request, res: Response, next: NextFunction) => {
    const claims = options.customUserKey
      ? lookup(req, options.customUserKey)
      : (lookup(req, 'user') ?? lookup(req, 'auth'));
    const held = stringList(lookup(claims, scopeKey));
    const failure = requirement.check({ ...(req.principal ?? NOBODY), scopes: held });
    if (!failure) return next();
    const headers = challengeHeaders(failure, realms.get(req) ?? 'api');
    if (options.failWithError) return next(new InsufficientScopeHttpError(failure, headers));
    res.status(403).set(headers).send('Insufficient scope');
  };
}
