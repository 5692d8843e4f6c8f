/**
 * `gatehouse-auth/express-jwt`: express-jwt (6 as `jwt`, 7+ as `expressjwt`) + jwks-rsa's
 * `expressJwtSecret` + express-jwt-authz's `jwtAuthz`, rebuilt on Gatehouse so that code written
 * for them runs with only its require lines changed.
 */
export { InsufficientScopeHttpError, type JwtAuthzOptions, jwtAuthz } from './authz.ts';
export { GatehouseHttpError, UnauthorizedError, type UnauthorizedErrorCode } from './errors.ts';
export { type ExpressJwtSecretOptions, expressJwtSecret, type JwksSecret } from './jwks-secret.ts';
export { expressjwt, jwt } from './middleware.ts';
export type { DecodedToken, ExpressJwt6Options, ExpressJwtOptions, TokenGetter } from './options.ts';
