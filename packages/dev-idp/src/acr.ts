/**
 * Authentication context classes the dev IdP signs users in with (RFC 9470 step-up, OpenID Connect
 * Core `acr_values`): `pwd` by default, `mfa` when the client asks for it. The login form has no
 * second factor; asking is enough here, which is what a development IdP is for.
 */
export const DEV_ACR_VALUES: readonly string[] = ['pwd', 'mfa'];

/** The strongest class the authorization request asked for among those the dev IdP knows. */
export function acrFor(requested: unknown): string {
  const asked = typeof requested === 'string' ? requested.split(' ') : [];
  return asked.includes('mfa') ? 'mfa' : 'pwd';
}

/** `amr` (RFC 8176) to match: a password, and a one-time code for `mfa`. */
export function amrFor(acr: string): string[] {
  return acr === 'mfa' ? ['pwd', 'otp', 'mfa'] : ['pwd'];
}
