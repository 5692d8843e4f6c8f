/**
 * DPoP refusals (RFC 9449). Each check has its own stable code, so a log line or a test names the
 * one check a proof failed; clients see the RFC 9449 §12.2 error code and a short description.
 */
import { GatehouseError, type GatehouseErrorCode, type GatehouseErrorInit } from '../errors.ts';

export type DpopProofCode = Extract<GatehouseErrorCode, `ERR_DPOP_PROOF_${string}`>;

/** The DPoP proof fails a check of RFC 9449 §4.3: 401 `invalid_dpop_proof` (§7.1). */
export class DpopProofError extends GatehouseError {
  declare readonly code: DpopProofCode;
  /** The RFC 9449 §12.2 error code of the DPoP challenge (not an RFC 6750 bearer error code). */
  readonly dpopError = 'invalid_dpop_proof';
  constructor(code: DpopProofCode, init: GatehouseErrorInit & { description: string }) {
    super(code, 401, undefined, init);
  }
}

/**
 * The proof lacks the server's current nonce (RFC 9449 §9): 401 `use_dpop_nonce` with a fresh
 * `DPoP-Nonce` header; the client retries with it.
 */
export class DpopNonceError extends GatehouseError {
  readonly dpopError = 'use_dpop_nonce';
  /** The nonce to send in `DPoP-Nonce`. */
  readonly nonce: string;
  constructor(nonce: string, init: GatehouseErrorInit & { description: string }) {
    super('ERR_DPOP_NONCE', 401, undefined, init);
    this.nonce = nonce;
  }
}

/**
 * The access token fails its binding (RFC 9449 §7.1: `cnf.jkt` must be the proof key's thumbprint;
 * §7.2: a bound token is never a bearer token), or DPoP is required: 401 `invalid_token`.
 */
export class DpopTokenError extends GatehouseError {
  constructor(
    code: 'ERR_DPOP_BINDING' | 'ERR_DPOP_BOUND_TOKEN_AS_BEARER' | 'ERR_DPOP_REQUIRED',
    init: GatehouseErrorInit & { description: string },
  ) {
    super(code, 401, 'invalid_token', init);
  }
}

/**
 * The replay store cannot say whether a proof's `jti` was seen (RFC 9449 §11.1): 503 +
 * `Retry-After`. Fail closed: the request is never accepted, because a replayed proof is exactly
 * what an unanswerable store would let through; and not 401, because the client's token and proof
 * may be perfectly good, and a 401 would send it to fetch a new token for a server-side outage.
 */
export class ReplayStoreUnavailableError extends GatehouseError {
  constructor(init: GatehouseErrorInit = {}) {
    super('ERR_DPOP_REPLAY_UNAVAILABLE', 503, undefined, {
      description: 'DPoP replay protection is temporarily unavailable',
      retryAfter: 5,
      ...init,
    });
  }
}
