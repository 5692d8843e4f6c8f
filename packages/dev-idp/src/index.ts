/// <reference path="./oidc-provider.d.ts" />

export { DEV_TENANT_ID, DEV_USERS, type DevUser } from './accounts.ts';
export { DEV_ACR_VALUES } from './acr.ts';
export { CLIENT_CERTIFICATE_FILES } from './client-certificate.ts';
export {
  CLI_REDIRECT_URI,
  DEV_CLIENT_IDS,
  DEV_DAEMON_DPOP_SECRET,
  DEV_DAEMON_OPAQUE_SECRET,
  DEV_DAEMON_SECRET,
  DEV_INTROSPECTION_SECRET,
  DEV_READONLY_SECRET,
  DEV_WEBAPP_SECRET,
  WEBAPP_REDIRECT_URIS,
} from './clients.ts';
export { DevIdpError, type DevIdpErrorCode } from './errors.ts';
export { DATA_FILES } from './keys.ts';
export { type DevIdpLogger, type DevIdpOptions, defaultOptions } from './options.ts';
export { auth0UserId, DEV_AUTH0 } from './profiles/auth0.ts';
export { b2cQueryMetadataUrl, DEV_B2C } from './profiles/b2c.ts';
export { DEV_KEYCLOAK } from './profiles/keycloak.ts';
export { PROFILE_NAMES, type ProfileName } from './profiles/types.ts';
export { API_RESOURCE, APP_ROLES, DELEGATED_SCOPES } from './resource.ts';
export { type DevIdp, type DevIdpAuthority, startDevIdp } from './server.ts';
export { TLS_FILES } from './tls.ts';
export {
  type AppTokenOptions,
  getAppToken,
  type IssuerLocation,
  type RefreshOptions,
  refreshUserToken,
  type TokenSet,
} from './token-client.ts';
export { getUserToken, type SignInOptions, signIn, type UserTokenOptions } from './user-token.ts';
