import type { JWTPayload } from 'jose';
import { ConfigurationError } from '../core/errors.ts';
import type { IssuerOptions } from '../core/options.ts';
import { stringList } from '../core/principal.ts';
import { isTenantId, type TenantPolicy } from '../core/tenants.ts';
import { keySource, type PresetOptions, type ProviderConfig, required, trimSlash } from './shared.ts';

export type EntraVersion = '1.0' | '2.0';

export interface EntraOptions extends PresetOptions {
  /** Directory (tenant) id, a GUID. */
  tenantId: string;
  /** The API's application (client) id: the default audience. */
  clientId: string;
  /** Token versions to accept (`accessTokenAcceptedVersion` in the app manifest). @default ['2.0'] */
  versions?: readonly EntraVersion[];
  /** Base of v1 issuers. @default 'https://sts.windows.net' */
  v1Instance?: string;
}

const PUBLIC_CLOUD = 'https://login.microsoftonline.com';

/** Entra tokens say their version in `ver`; a v1 token on the v2 issuer (or back) is a misconfiguration. */
export function requireVersion(version: EntraVersion) {
  return (claims: Readonly<JWTPayload>): string | undefined =>
    claims.ver === version
      ? undefined
      : `token version ${JSON.stringify(claims.ver)} where ${version} is expected`;
}

/**
 * Entra's authentication context is `acrs` (Conditional Access authentication context ids such as
 * `c1`); its `acr` (`"1"` in v1 tokens) says nothing a step-up requirement could use.
 */
export function entraAuthContext(claims: Readonly<JWTPayload>): string[] {
  return stringList(claims.acrs);
}

/**
 * Microsoft Entra ID, one tenant. v2 tokens: issuer `https://login.microsoftonline.com/{tid}/v2.0`,
 * audience the client id; v1 tokens: issuer `https://sts.windows.net/{tid}/`, audience
 * `api://{clientId}` (as Microsoft.Identity.Web derives them). The JWKS `issuer` of each key is
 * checked against the token's issuer.
 */
export function entra(options: EntraOptions): ProviderConfig {
  const tenantId = required(options.tenantId, 'entra.tenantId');
  const clientId = required(options.clientId, 'entra.clientId');
  if (!isTenantId(tenantId))
    throw new ConfigurationError('entra.tenantId', 'must be the directory (tenant) GUID');
  const instance = trimSlash(options.instance ?? PUBLIC_CLOUD);
  const versions = options.versions ?? ['2.0'];
  const issuers: IssuerOptions[] = [];
  if (versions.includes('2.0')) {
    issuers.push({
      name: `entra-v2:${tenantId}`,
      ...keySource(`${instance}/${tenantId}/v2.0`, options),
      audience: options.audience ?? clientId,
      validate: requireVersion('2.0'),
      claims: { authContext: entraAuthContext },
    });
  }
  if (versions.includes('1.0')) {
    const v1 = `${trimSlash(options.v1Instance ?? 'https://sts.windows.net')}/${tenantId}/`;
    issuers.push({
      name: `entra-v1:${tenantId}`,
      ...keySource(v1, options, `${instance}/${tenantId}/.well-known/openid-configuration`),
      audience: options.audience ?? `api://${clientId}`,
      validate: requireVersion('1.0'),
      claims: { authContext: entraAuthContext },
    });
  }
  if (issuers.length === 0) throw new ConfigurationError('entra.versions', 'must include "1.0" or "2.0"');
  return { issuers };
}

export interface EntraMultiTenantOptions extends PresetOptions {
  clientId: string;
  /** `organizations` (work and school accounts) or `common` (also personal accounts). @default 'organizations' */
  authority?: 'organizations' | 'common';
  /** Tenant ids allowed to call (anything else is refused), or `'any'` for every tenant (logged). Required. */
  tenants: TenantPolicy;
}

/**
 * Entra ID multi-tenant: the metadata's `https://login.microsoftonline.com/{tenantid}/v2.0` issuer
 * template is resolved with the token's `tid`, limited to an allow-list of tenants unless `'any'` says otherwise.
 */
export function entraMultiTenant(options: EntraMultiTenantOptions): ProviderConfig {
  const clientId = required(options.clientId, 'entraMultiTenant.clientId');
  const instance = trimSlash(options.instance ?? PUBLIC_CLOUD);
  const { tenants } = options;
  if (tenants === undefined) {
    throw new ConfigurationError(
      'entraMultiTenant.tenants',
      'is required: list the tenant ids allowed to call, or "any" to accept every tenant',
    );
  }
  for (const tenant of tenants === 'any' ? [] : tenants) {
    if (!isTenantId(tenant))
      throw new ConfigurationError(
        'entraMultiTenant.tenants',
        `holds ${JSON.stringify(tenant)}, not a tenant GUID`,
      );
  }
  const authority = options.authority ?? 'organizations';
  return {
    issuers: [
      {
        name: `entra-multi-tenant:${authority}`,
        ...keySource(
          `${instance}/{tenantid}/v2.0`,
          options,
          `${instance}/${authority}/v2.0/.well-known/openid-configuration`,
        ),
        audience: options.audience ?? clientId,
        validate: requireVersion('2.0'),
        claims: { authContext: entraAuthContext },
        tenants,
      },
    ],
  };
}
