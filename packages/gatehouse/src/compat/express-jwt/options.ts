/**
 * The options of express-jwt 6 (`jwt`) and 7+ (`expressjwt`): each keeps its meaning or is refused
 * when the middleware is created, and together they build the gatehouse that verifies its tokens.
 */
import type { Request } from 'express';
import type { JWTHeaderParameters, JWTPayload } from 'jose';
import { createGatehouse, type Gatehouse } from '../../core/gatehouse.ts';
import type { AsymmetricAlgorithm } from '../../core/keys/key-store.ts';
import { type JwksSecret, jwksSecretOptions, keyOptions } from './jwks-secret.ts';
import { refuse } from './refuse.ts';

/** A decoded token as express-jwt 7+ hands it to `isRevoked`. */
export interface DecodedToken {
  header: JWTHeaderParameters;
  payload: JWTPayload;
  signature: string;
}

export type TokenGetter = (req: Request) => string | undefined | null | Promise<string | undefined | null>;

export interface CommonOptions {
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

const COMMON = [
  'secret',
  'audience',
  'issuer',
  'algorithms',
  'credentialsRequired',
  'getToken',
  'clockTolerance',
];
export const V6 = [...COMMON, 'requestProperty', 'userProperty', 'resultProperty', 'isRevoked'];
export const V7 = [...COMMON, 'requestProperty', 'isRevoked'];

const WHY: Record<string, string> = {
  onExpired: 'is refused: Gatehouse never accepts an expired token (clockTolerance covers clock skew)',
  ignoreExpiration: 'is refused: Gatehouse never accepts an expired token',
  ignoreNotBefore: 'is refused: Gatehouse always checks nbf',
};

const UNSAFE_SEGMENT = new Set(['__proto__', 'prototype', 'constructor']);

export function propertyPath(value: unknown, option: string): string[] {
  if (typeof value !== 'string' || value.length === 0) refuse(option, 'must be a non-empty string');
  const path = value.split('.');
  if (path.some((s) => s.length === 0 || UNSAFE_SEGMENT.has(s)))
    refuse(option, `cannot be ${JSON.stringify(value)}`);
  return path;
}

/** lodash.set, as express-jwt uses it for requestProperty: a dotted path, created as needed. */
export function setPath(target: object, path: readonly string[], value: unknown): void {
  let at = target as Record<string, unknown>;
  for (const segment of path.slice(0, -1)) {
    const next = at[segment];
    if (typeof next !== 'object' || next === null) at[segment] = {};
    at = at[segment] as Record<string, unknown>;
  }
  at[path[path.length - 1]!] = value;
}

export function buildGatehouse(options: CommonOptions, allowed: readonly string[], name: string): Gatehouse {
  if (typeof options !== 'object' || options === null) refuse(name, 'needs an options object');
  for (const key of Object.keys(options)) {
    if (!allowed.includes(key))
      refuse(`${name} ${key}`, WHY[key] ?? 'is not supported (refused rather than ignored)');
  }
  const secret = jwksSecretOptions(options.secret);
  if (secret === undefined)
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
    ...keyOptions(secret),
  });
  gatehouse.start();
  return gatehouse;
}
