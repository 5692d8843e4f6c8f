export { type Auth0Options, auth0, namespacedClaim } from './auth0.ts';
export { type B2cOptions, b2c, b2cPolicy, requirePolicy } from './b2c.ts';
export { type CognitoOptions, cognito } from './cognito.ts';
export {
  type EntraMultiTenantOptions,
  type EntraOptions,
  type EntraVersion,
  entra,
  entraAuthContext,
  entraMultiTenant,
  requireVersion,
} from './entra.ts';
export { type ExternalIdOptions, externalId } from './external-id.ts';
export { type KeycloakOptions, keycloak } from './keycloak.ts';
export { oidc } from './oidc.ts';
export { type OktaOptions, okta } from './okta.ts';
export { type PresetOptions, type ProviderConfig, trust } from './shared.ts';
