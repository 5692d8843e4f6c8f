import type { IssuerOptions } from '../core/options.ts';
import type { ProviderConfig } from './shared.ts';

/** Any standards-compliant issuer: discovery at the issuer, exact `iss`, `aud`, Entra-style claim names. */
export function oidc(options: IssuerOptions): ProviderConfig {
  return { issuers: [{ ...options }] };
}
