/**
 * Multi-tenant issuers (Entra `common` / `organizations`): one metadata document whose issuer is a
 * template, `https://login.microsoftonline.com/{tenantid}/v2.0`, that fits every tenant in the
 * world. Accepting it without saying which tenants may call lets any tenant's app in.
 */

/** What stands for the token's `tid` in a multi-tenant issuer. */
export const TENANT_TEMPLATE = '{tenantid}';

const TENANT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A directory (tenant) id: a GUID. */
export function isTenantId(value: unknown): value is string {
  return typeof value === 'string' && TENANT_ID.test(value);
}

/** Which tenants a `{tenantid}` issuer accepts: an allow-list of tenant ids, or `'any'` (explicit, logged). */
export type TenantPolicy = readonly string[] | 'any';

/**
 * Whether an issuer is known, before any fetch, to be multi-tenant: a `{tenantid}` template, or
 * (no issuer given) a metadata URL on an Entra authority path that serves one (`/common/`,
 * `/organizations/`).
 */
export function isMultiTenant(issuer: string | undefined, metadataUrl: string | undefined): boolean {
  // An issuer given without the template pins one tenant, whatever metadata its keys come from.
  if (issuer !== undefined) return issuer.includes(TENANT_TEMPLATE);
  if (metadataUrl === undefined) return false;
  const path = URL.parse(metadataUrl)?.pathname ?? '';
  return /\/(common|organizations)\//i.test(path) || path.includes(encodeURI(TENANT_TEMPLATE));
}
