export { DEV_TENANT_ID, DEV_USERS, type DevUser } from './accounts.ts';
export { CLI_REDIRECT_URI, DEV_CLIENT_IDS, DEV_DAEMON_SECRET, DEV_READONLY_SECRET } from './clients.ts';
export { DevIdpError, type DevIdpErrorCode } from './errors.ts';
export { DATA_FILES } from './keys.ts';
export { type DevIdpLogger, type DevIdpOptions, defaultOptions } from './options.ts';
export { API_RESOURCE, APP_ROLES, DELEGATED_SCOPES } from './resource.ts';
export { type DevIdp, startDevIdp } from './server.ts';
export { TLS_FILES } from './tls.ts';
export {
  type AppTokenOptions,
  getAppToken,
  type RefreshOptions,
  refreshUserToken,
  type TokenSet,
} from './token-client.ts';
export { getUserToken, type UserTokenOptions } from './user-token.ts';
