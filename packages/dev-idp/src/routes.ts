/** Endpoint paths, shared by the oidc-provider configuration and the handlers placed in front of it. */
export const routes = {
  authorization: '/auth',
  token: '/token',
  jwks: '/jwks',
  endSession: '/session/end',
  revocation: '/token/revocation',
  userinfo: '/me',
  /** Login form, `${interaction}/${uid}`; oidc-provider does not serve it, dev-idp does. */
  interaction: '/interaction',
} as const;
