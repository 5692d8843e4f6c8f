import { ConfigurationError } from '../core/errors.ts';
import type { IssuerOptions } from '../core/options.ts';
import { requireVersion } from './entra.ts';
import { keySource, type PresetOptions, type ProviderConfig, required, trimSlash } from './shared.ts';

export interface ExternalIdOptions extends PresetOptions {
  /** The external tenant's GUID. */
  tenantId: string;
  /** The tenant's subdomain: `contoso` for `contoso.ciamlogin.com`. @default the tenant GUID */
  subdomain?: string;
  /** The API's application (client) id: the default audience. */
  clientId: string;
}

/**
 * Microsoft Entra External ID (CIAM): issuer `https://{tenantId}.ciamlogin.com/{tenantId}/v2.0`
 * — the form whose host is the tenant GUID — and, when a subdomain is given, also
 * `https://{subdomain}.ciamlogin.com/{tenantId}/v2.0`. Claims as Entra v2.
 */
export function externalId(options: ExternalIdOptions): ProviderConfig {
  const tenantId = required(options.tenantId, 'externalId.tenantId');
  const clientId = required(options.clientId, 'externalId.clientId');
  if (options.subdomain !== undefined && !/^[a-z0-9-]+$/i.test(options.subdomain)) {
    throw new ConfigurationError('externalId.subdomain', 'must be a host label such as contoso');
  }
  const hosts = [
    tenantId,
    ...(options.subdomain && options.subdomain !== tenantId ? [options.subdomain] : []),
  ];
  const metadataHost = options.subdomain ?? tenantId;
  const base = (host: string) => trimSlash(options.instance ?? `https://${host}.ciamlogin.com`);
  const issuers: IssuerOptions[] = hosts.map((host) => ({
    name: `external-id:${host}`,
    ...keySource(
      `${base(host)}/${tenantId}/v2.0`,
      options,
      `${base(metadataHost)}/${tenantId}/v2.0/.well-known/openid-configuration`,
    ),
    audience: options.audience ?? clientId,
    validate: requireVersion('2.0'),
  }));
  // With `instance` both hosts collapse to one URL: keep one issuer.
  return { issuers: issuers.filter((i, n) => issuers.findIndex((j) => j.issuer === i.issuer) === n) };
}
