/** Endpoint paths of one authority, relative to where it is mounted. */
export interface Routes {
  readonly authorization: string;
  readonly token: string;
  readonly jwks: string;
  readonly endSession: string;
  readonly revocation: string;
  readonly userinfo: string;
  /** Login form, `${interaction}/${uid}`; oidc-provider does not serve it, dev-idp does. */
  readonly interaction: string;
}

/** Endpoint paths of the default (entra) issuer, shared by its configuration and the handlers in front of it. */
export const routes = {
  authorization: '/auth',
  token: '/token',
  jwks: '/jwks',
  endSession: '/session/end',
  revocation: '/token/revocation',
  userinfo: '/me',
  interaction: '/interaction',
} as const satisfies Routes;

/** How Microsoft lays out v2.0 endpoints under a tenant (Entra) or a policy (B2C). */
export const microsoftRoutes: Routes = {
  authorization: '/oauth2/v2.0/authorize',
  token: '/oauth2/v2.0/token',
  jwks: '/discovery/v2.0/keys',
  endSession: '/oauth2/v2.0/logout',
  revocation: '/oauth2/v2.0/revoke',
  userinfo: '/openid/v2.0/userinfo',
  interaction: '/interaction',
};
