/**
 * Every failure that crosses a module boundary is a `GatehouseError` with a stable `code`.
 * The message and `description` are for people; `code` is the contract callers switch on.
 *
 * `description` is safe to send to a client (short, no URLs, keys or token text);
 * `detail` is for the operator's log and says exactly why.
 */

import { printable } from './printable.ts';

export type GatehouseErrorCode =
  | 'ERR_TOKEN_MISSING'
  | 'ERR_REQUEST_INVALID'
  | 'ERR_TOKEN_MALFORMED'
  | 'ERR_TOKEN_SIGNATURE'
  | 'ERR_TOKEN_ALGORITHM'
  | 'ERR_TOKEN_TYPE'
  | 'ERR_TOKEN_UNKNOWN_KEY'
  | 'ERR_TOKEN_WEAK_KEY'
  | 'ERR_TOKEN_EXPIRED'
  | 'ERR_TOKEN_NOT_YET_VALID'
  | 'ERR_TOKEN_ISSUER'
  | 'ERR_TOKEN_AUDIENCE'
  | 'ERR_TOKEN_CLAIM'
  | 'ERR_TOKEN_INACTIVE'
  | 'ERR_INSUFFICIENT_SCOPE'
  | 'ERR_FORBIDDEN'
  | 'ERR_INSUFFICIENT_USER_AUTHENTICATION'
  | 'ERR_INSUFFICIENT_CLAIMS'
  | 'ERR_KEYS_UNAVAILABLE'
  | 'ERR_INTROSPECTION_UNAVAILABLE'
  | 'ERR_CONFIGURATION'
  // DPoP (RFC 9449), raised by src/core/dpop/: see errors.ts there.
  | 'ERR_DPOP_PROOF_MISSING'
  | 'ERR_DPOP_PROOF_MULTIPLE'
  | 'ERR_DPOP_PROOF_MALFORMED'
  | 'ERR_DPOP_PROOF_TYPE'
  | 'ERR_DPOP_PROOF_ALGORITHM'
  | 'ERR_DPOP_PROOF_KEY'
  | 'ERR_DPOP_PROOF_SIGNATURE'
  | 'ERR_DPOP_PROOF_METHOD'
  | 'ERR_DPOP_PROOF_URI'
  | 'ERR_DPOP_PROOF_IAT'
  | 'ERR_DPOP_PROOF_JTI'
  | 'ERR_DPOP_PROOF_ATH'
  | 'ERR_DPOP_PROOF_REPLAY'
  | 'ERR_DPOP_NONCE'
  | 'ERR_DPOP_BINDING'
  | 'ERR_DPOP_BOUND_TOKEN_AS_BEARER'
  | 'ERR_DPOP_REQUIRED'
  | 'ERR_DPOP_REPLAY_UNAVAILABLE'
  // Certificate-bound tokens (RFC 8705), raised by src/core/dpop/certificate.ts.
  | 'ERR_MTLS_BINDING';

/** The OAuth 2.0 bearer-token error codes of RFC 6750 §3.1. */
export type BearerErrorCode = 'invalid_request' | 'invalid_token' | 'insufficient_scope';

/**
 * Error codes later documents register for the same challenge: RFC 9470 §3 (step-up) and
 * Microsoft's claims challenge (Entra continuous access evaluation, Conditional Access
 * authentication context).
 */
export type ExtendedBearerErrorCode = 'insufficient_user_authentication' | 'insufficient_claims';

/** What a refusal asks the client to do next, carried into its `WWW-Authenticate` challenge. */
export interface ChallengeHints {
  /** RFC 9470 §3 `acr_values`: authentication context classes that would do, in order of preference. */
  acrValues?: readonly string[];
  /** RFC 9470 §3 `max_age`: the longest time, in seconds, since the user last authenticated. */
  maxAge?: number;
  /** Microsoft's claims challenge: the base64 claims request the client passes back to the issuer. */
  claims?: string;
  /** Microsoft's claims challenge: where an interactive sign-in can be made. */
  authorizationUri?: string;
}

export interface GatehouseErrorInit {
  description?: string;
  detail?: string;
  cause?: unknown;
  claim?: string;
  expected?: unknown;
  actual?: unknown;
  scope?: readonly string[];
  retryAfter?: number;
  challenge?: ChallengeHints;
}

export class GatehouseError extends Error {
  readonly code: GatehouseErrorCode;
  readonly status: number;
  /** RFC 6750 error code for the `WWW-Authenticate` challenge, when one applies. */
  readonly bearerError: BearerErrorCode | ExtendedBearerErrorCode | undefined;
  /** Safe for clients: goes into `error_description` and the problem body. */
  readonly description: string;
  /** For the operator's log only. */
  readonly detail: string;
  readonly claim: string | undefined;
  readonly expected: unknown;
  readonly actual: unknown;
  readonly scope: readonly string[] | undefined;
  /** Seconds a client should wait before retrying (503). */
  readonly retryAfter: number | undefined;
  /** Further challenge parameters (step-up, claims challenge), when the refusal says how to succeed. */
  readonly challenge: Readonly<ChallengeHints> | undefined;

  constructor(
    code: GatehouseErrorCode,
    status: number,
    bearerError: BearerErrorCode | ExtendedBearerErrorCode | undefined,
    init: GatehouseErrorInit & { description: string },
  ) {
    // Details quote token text; escaped here, any log or stack trace that prints them is safe too.
    const detail = init.detail === undefined ? init.description : printable(init.detail);
    super(detail, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = new.target.name;
    this.code = code;
    this.status = status;
    this.bearerError = bearerError;
    this.description = init.description;
    this.detail = detail;
    this.claim = init.claim;
    this.expected = init.expected;
    this.actual = init.actual;
    this.scope = init.scope;
    this.retryAfter = init.retryAfter;
    this.challenge = init.challenge === undefined ? undefined : Object.freeze({ ...init.challenge });
  }
}

/** No bearer token was sent: 401 with a bare `Bearer` challenge. */
export class MissingTokenError extends GatehouseError {
  constructor(init: GatehouseErrorInit = {}) {
    super('ERR_TOKEN_MISSING', 401, undefined, { description: 'Authentication required', ...init });
  }
}

/** The request itself is malformed (e.g. two Authorization headers): 400 `invalid_request`. */
export class InvalidRequestError extends GatehouseError {
  constructor(init: GatehouseErrorInit & { description: string }) {
    super('ERR_REQUEST_INVALID', 400, 'invalid_request', init);
  }
}

export type InvalidTokenCode = Extract<
  GatehouseErrorCode,
  | 'ERR_TOKEN_MALFORMED'
  | 'ERR_TOKEN_SIGNATURE'
  | 'ERR_TOKEN_ALGORITHM'
  | 'ERR_TOKEN_TYPE'
  | 'ERR_TOKEN_UNKNOWN_KEY'
  | 'ERR_TOKEN_WEAK_KEY'
  | 'ERR_TOKEN_EXPIRED'
  | 'ERR_TOKEN_NOT_YET_VALID'
  | 'ERR_TOKEN_ISSUER'
  | 'ERR_TOKEN_AUDIENCE'
  | 'ERR_TOKEN_CLAIM'
  | 'ERR_TOKEN_INACTIVE'
>;

/** Anything in the Bearer slot that is not a valid token: 401 `invalid_token`. */
export class InvalidTokenError extends GatehouseError {
  declare readonly code: InvalidTokenCode;
  constructor(code: InvalidTokenCode, init: GatehouseErrorInit & { description: string }) {
    super(code, 401, 'invalid_token', init);
  }
}

/** A valid token without the scope or app permission the route needs: 403 `insufficient_scope`. */
export class InsufficientScopeError extends GatehouseError {
  constructor(init: GatehouseErrorInit & { scope: readonly string[] }) {
    super('ERR_INSUFFICIENT_SCOPE', 403, 'insufficient_scope', {
      description: 'The token does not grant the required scope or permission',
      ...init,
    });
  }
}

/** A valid token whose claims fail a route's claim requirement: 403. */
export class ForbiddenError extends GatehouseError {
  constructor(init: GatehouseErrorInit & { description: string }) {
    super('ERR_FORBIDDEN', 403, 'insufficient_scope', init);
  }
}

/**
 * A valid token whose user authentication is too weak or too old for this resource: 401
 * `insufficient_user_authentication` with `acr_values` and/or `max_age` (RFC 9470 §3), so the
 * client signs the user in again asking for them.
 */
export class InsufficientUserAuthenticationError extends GatehouseError {
  constructor(init: GatehouseErrorInit & { challenge: Pick<ChallengeHints, 'acrValues' | 'maxAge'> }) {
    super('ERR_INSUFFICIENT_USER_AUTHENTICATION', 401, 'insufficient_user_authentication', {
      description: 'A different authentication level is required',
      ...init,
    });
  }
}

/**
 * A valid token that lacks claims the issuer can add when asked: 401 `insufficient_claims` with
 * `claims="<base64 claims request>"`, Microsoft's claims challenge for clients that declared the
 * `cp1` capability (Microsoft identity platform, "Claims challenges, claims requests and client
 * capabilities").
 */
export class InsufficientClaimsError extends GatehouseError {
  constructor(init: GatehouseErrorInit & { challenge: ChallengeHints & { claims: string } }) {
    super('ERR_INSUFFICIENT_CLAIMS', 401, 'insufficient_claims', {
      description: 'The token lacks claims this resource requires',
      ...init,
    });
  }
}

/** Signing keys cannot be had (issuer unreachable, never loaded): 503 + `Retry-After`, never 401. */
export class KeysUnavailableError extends GatehouseError {
  constructor(init: GatehouseErrorInit = {}) {
    super('ERR_KEYS_UNAVAILABLE', 503, undefined, {
      description: 'Token signing keys are temporarily unavailable',
      retryAfter: 10,
      ...init,
    });
  }
}

/**
 * The issuer's introspection endpoint cannot judge an opaque token (unreachable, 5xx, timed out,
 * refusing our client credentials, circuit open): 503 + `Retry-After`, never 401 (RFC 7662 §2.3:
 * a failed introspection request says nothing about the token).
 */
export class IntrospectionUnavailableError extends GatehouseError {
  constructor(init: GatehouseErrorInit = {}) {
    super('ERR_INTROSPECTION_UNAVAILABLE', 503, undefined, {
      description: 'Token introspection is temporarily unavailable',
      retryAfter: 10,
      ...init,
    });
  }
}

/** Invalid options, thrown at construction so a bad deployment fails at start-up. */
export class ConfigurationError extends GatehouseError {
  constructor(path: string, message: string) {
    super('ERR_CONFIGURATION', 500, undefined, { description: `gatehouse: ${path} ${message}` });
  }
}

export function isGatehouseError(value: unknown): value is GatehouseError {
  return value instanceof GatehouseError;
}
