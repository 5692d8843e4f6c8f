export { bearerChallenge, type ChallengeParams } from './core/bearer-challenge.ts';
export type { ChallengeContext } from './core/challenge.ts';
export {
  type ClaimsChallengeOptions,
  claimsChallenge,
  encodeClaims,
  isClaimsChallengeCapable,
  requireAuthContext,
} from './core/claims-challenge.ts';
export {
  type CacheEvent,
  DIAGNOSTICS_CHANNELS,
  type KeysEvent,
  type VerifyEvent,
} from './core/diagnostics.ts';
export { CertificateBindingError, type MtlsOptions, type ResolvedMtls } from './core/dpop/certificate.ts';
export { dpopNonceToSend } from './core/dpop/challenge.ts';
export {
  DpopNonceError,
  type DpopProofCode,
  DpopProofError,
  DpopTokenError,
  ReplayStoreUnavailableError,
} from './core/dpop/errors.ts';
export type { DpopMode, DpopOptions, ResolvedDpop } from './core/dpop/options.ts';
export { accessTokenHash } from './core/dpop/proof.ts';
export {
  MemoryReplayStore,
  type MemoryReplayStoreOptions,
  RedisReplayStore,
  type RedisReplayStoreOptions,
  type RedisSetClient,
  type ReplayStore,
} from './core/dpop/replay.ts';
export {
  type BearerErrorCode,
  type ChallengeHints,
  ConfigurationError,
  type ExtendedBearerErrorCode,
  ForbiddenError,
  GatehouseError,
  type GatehouseErrorCode,
  type GatehouseErrorInit,
  InsufficientClaimsError,
  InsufficientScopeError,
  InsufficientUserAuthenticationError,
  IntrospectionUnavailableError,
  InvalidRequestError,
  type InvalidTokenCode,
  InvalidTokenError,
  isGatehouseError,
  KeysUnavailableError,
  MissingTokenError,
} from './core/errors.ts';
export { type Check, type Explanation, explain } from './core/explain.ts';
export { extractBearerToken, type HeadersLike, type RequestLike } from './core/extract.ts';
export {
  type AuthenticateOptions,
  createGatehouse,
  type Gatehouse,
  type GatehouseStatus,
  type VerifyOptions,
} from './core/gatehouse.ts';
export type { RouteAuth } from './core/guard.ts';
export type { IntrospectionOptions, ResolvedIntrospection } from './core/introspection/options.ts';
export { discoveryUrl, type IssuerMetadata } from './core/keys/discovery.ts';
export type { KeySetSnapshot, KeySetStatus } from './core/keys/issuer-keys.ts';
export { ASYMMETRIC_ALGORITHMS, type AsymmetricAlgorithm } from './core/keys/key-store.ts';
export type { Logger } from './core/logger.ts';
export {
  defaults,
  type GatehouseOptions,
  type IssuerOptions,
  type IssuerSource,
  type ResolvedIssuer,
  type ResolvedOptions,
  type SharedOptions,
} from './core/options.ts';
export {
  authorize,
  type ClaimValue,
  type Match,
  type Requirement,
  requireAppPermissions,
  requireClaim,
  requireScopeOrAppPermission,
  requireScopes,
  requireSomeScopeOrAppPermission,
} from './core/policy.ts';
export { type ClaimMapping, defaultClaimMapping, type Principal, stringList } from './core/principal.ts';
export { printable, printableJson } from './core/printable.ts';
export {
  type ProtectedResourceMetadata,
  protectedResourceMetadata,
  type ResourceMetadataOptions,
  resourceMetadataPath,
  resourceMetadataUrl,
  type SenderConstraintMetadata,
  senderConstraintMetadata,
} from './core/resource-metadata.ts';
export { type ErrorResponse, errorResponse, type ProblemDetails } from './core/response.ts';
export { type AuthenticationRequirement, requireAuthentication } from './core/step-up.ts';
export { isTenantId, type TenantPolicy } from './core/tenants.ts';
export { MAX_TOKEN_LENGTH } from './core/token-shape.ts';
