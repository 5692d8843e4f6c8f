import type { JWTPayload } from 'jose';
import type { AuthenticateOptions } from './authenticate-options.ts';
import type { RequestLike } from './extract.ts';
import type { IssuerValidator } from './issuer-validator.ts';
import type { IssuerMetadata } from './keys/discovery.ts';
import type { KeySetSnapshot, KeySetStatus } from './keys/issuer-keys.ts';
import type { ResolvedOptions } from './options.ts';
import type { Requirement } from './policy.ts';
import type { Principal } from './principal.ts';
import type { VerifyOptions } from './verify-options.ts';

/*
 * What `createGatehouse` returns, on its own so the modules that take a gatehouse (explain, the
 * route guard, resource metadata) depend on its shape and not on the façade that builds it.
 */

export interface GatehouseStatus extends KeySetStatus {
  /** One entry per trusted issuer; the top-level fields describe the first. */
  issuers: (KeySetStatus & { name: string })[];
}

export interface Gatehouse {
  readonly options: ResolvedOptions;
  /**
   * Verifies a raw token and returns its principal, or rejects with a `GatehouseError`. A raw token
   * has no request to prove its sender: a DPoP-bound or certificate-bound token is refused
   * (`ERR_DPOP_BOUND_TOKEN_AS_BEARER`, `ERR_MTLS_BINDING`) unless `senderConstrained:
   * 'caller-checks'` says the caller checks the binding itself. `authenticate(request)` checks it.
   */
  verify(token: string, options?: VerifyOptions): Promise<Principal>;
  /** Extracts and verifies the bearer token of a request. `null` only when optional and no token was sent. */
  authenticate(request: RequestLike, options?: AuthenticateOptions): Promise<Principal | null>;
  /**
   * The principal of the request's token when the verified-token cache holds it, found without
   * waiting (adapters answer such a request in the same tick); `undefined` otherwise, and for any
   * request the full `authenticate` must judge. Never throws.
   */
  cached(request: RequestLike): Principal | undefined;
  /**
   * `authenticate` without waiting when it need not: a token the verified-token cache holds, or
   * one whose issuer and keys are already loaded, gives its principal at once, and a refused
   * token throws at once; otherwise a promise, as `authenticate` returns (which rejects instead of
   * throwing). For adapters that answer in the same tick when they can.
   */
  authenticateNow(
    request: RequestLike,
    options?: AuthenticateOptions,
  ): Principal | null | Promise<Principal | null>;
  /** Applies requirements to a principal; throws 401 for none, 403 for a failed requirement. */
  authorize(principal: Principal | null | undefined, requirements: readonly Requirement[]): Principal;
  /** True once every trusted issuer's signing keys are loaded. */
  readonly ready: boolean;
  /** Starts loading metadata and keys in the background and keeps them fresh. Never blocks. */
  start(): void;
  /** Stops background timers. */
  close(): void;
  status(): GatehouseStatus;
  /** Verified-token cache counters, when the cache is on. */
  cacheStats(): { size: number; bytes: number; hits: number; misses: number } | undefined;
  /** One snapshot per issuer whose keys are loaded. */
  exportSnapshot(): KeySetSnapshot[];
  /**
   * The discovery document of a trusted issuer (by its configured name; the first by default), once
   * loaded; `undefined` before that or for an unknown name. For apps that publish the issuer's
   * endpoints (OpenAPI security schemes, RFC 9728 metadata).
   */
  issuerMetadata(name?: string): Readonly<IssuerMetadata> | undefined;
  /** @internal The trusted issuers, in configuration order (explain's view; not a public API). */
  readonly issuers: readonly IssuerValidator[];
  /** @internal The issuer a token belongs to, by its unverified `iss`; rejects like `verify`. */
  route(claims: Readonly<JWTPayload>): Promise<IssuerValidator>;
}
