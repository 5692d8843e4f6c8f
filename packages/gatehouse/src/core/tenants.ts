/**
 * Multi-tenant issuers (Entra `common` / `organizations`): one metadata document whose issuer is a
 * template, `https://login.microsoftonline.com/{tenantid}/v2.0`, that fits every tenant in the
 * world. Accepting it without saying which tenants may call lets any tenant's app in. Every rule
 * about `{tenantid}` and tenant ids lives here.
 */
import type { JWTPayload } from 'jose';
import { issuerRefused } from './issuer-errors.ts';
import type { Logger } from './logger.ts';

/** What stands for the token's `tid` in a multi-tenant issuer. */
export const TENANT_TEMPLATE = '{tenantid}';

const GUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const TENANT_ID = new RegExp(`^${GUID}$`, 'i');
/** A tenant id as a whole path segment of an issuer URL (`sts.windows.net/<tid>/`, `.../<tid>/v2.0`). */
const TENANT_IN_URL = new RegExp(`/(${GUID})(?:/|$)`, 'i');

/** A directory (tenant) id: a GUID. */
export function isTenantId(value: unknown): value is string {
  return typeof value === 'string' && TENANT_ID.test(value);
}

/** Which tenants a `{tenantid}` issuer accepts: an allow-list of tenant ids, or `'any'` (explicit, logged). */
export type TenantPolicy = readonly string[] | 'any';

/** Whether an issuer is a `{tenantid}` template rather than one exact issuer. */
export function isIssuerTemplate(issuer: string): boolean {
  return issuer.includes(TENANT_TEMPLATE);
}

/**
 * Whether an issuer is known, before any fetch, to be multi-tenant: a `{tenantid}` template, or
 * (no issuer given) a metadata URL on an Entra authority path that serves one (`/common/`,
 * `/organizations/`).
 */
export function isMultiTenant(issuer: string | undefined, metadataUrl: string | undefined): boolean {
  // An issuer given without the template pins one tenant, whatever metadata its keys come from.
  if (issuer !== undefined) return isIssuerTemplate(issuer);
  if (metadataUrl === undefined) return false;
  const path = URL.parse(metadataUrl)?.pathname ?? '';
  return /\/(common|organizations)\//i.test(path) || path.includes(encodeURI(TENANT_TEMPLATE));
}

/** Says, once at start-up, which issuers accept every tenant in the world (`tenants: "any"`). */
export function warnOfAnyTenant(
  issuers: readonly { name: string; tenants?: TenantPolicy | undefined }[],
  logger: Logger,
): void {
  for (const issuer of issuers) {
    if (issuer.tenants === 'any') {
      logger.warn?.(
        { issuer: issuer.name, tenants: 'any' },
        'gatehouse: tokens of ANY tenant are accepted for this multi-tenant issuer (tenants: "any"); every organization can sign in its users and apps',
      );
    }
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const templates = new Map<string, RegExp>();

/**
 * Does `iss` fit the trusted issuer, where `{tenantid}` stands for a tenant? Routing only, so the
 * slot takes any 36 characters of a GUID's alphabet: the exact tenant is judged by `issuerForTenant`.
 */
export function issuerFits(template: string, iss: string): boolean {
  if (!isIssuerTemplate(template)) return iss === template;
  let pattern = templates.get(template);
  if (!pattern) {
    pattern = new RegExp(
      `^${escapeRegExp(template).replaceAll(escapeRegExp(TENANT_TEMPLATE), '[0-9a-fA-F-]{36}')}$`,
    );
    templates.set(template, pattern);
  }
  return pattern.test(iss);
}

/**
 * The exact `iss` a token must carry: a template's `{tenantid}` filled from the token's `tid`, once
 * the tenant passes the allow-list (`undefined` when the template came from fetched metadata and no
 * tenants were configured: every tenant is refused then).
 */
export function issuerForTenant(
  template: string,
  claims: Readonly<JWTPayload> | undefined,
  tenants: TenantPolicy | undefined,
): string {
  if (!isIssuerTemplate(template)) return template;
  const tid = claims?.tid;
  if (!isTenantId(tid)) {
    throw issuerRefused('issuer', `token has no GUID "tid" to resolve the issuer template ${template}`, {
      claim: 'tid',
    });
  }
  if (tenants === undefined) {
    // The template came from fetched metadata, so creation could not demand a tenant policy.
    throw issuerRefused(
      'tenant',
      `the metadata names the multi-tenant issuer ${template} and no tenants are configured (list them in tenants, or "any")`,
      { claim: 'tid', actual: tid },
    );
  }
  if (tenants !== 'any' && !tenants.includes(tid)) {
    throw issuerRefused('tenant', `tenant ${tid} is not on the allow-list (${tenants.join(', ')})`, {
      claim: 'tid',
      actual: tid,
      expected: tenants,
    });
  }
  return template.replaceAll(TENANT_TEMPLATE, tid);
}

/**
 * A key's `issuer` (Entra JWKS) vouches for a token when it is the token's issuer, with the
 * `{tenantid}` template filled from `tid`; or, because v1 (`sts.windows.net`) and v2 tokens of one
 * tenant share keys, when the key's tenant is the token's tenant named in both `iss` and `tid`.
 */
export function keyVouchesFor(keyIssuer: string, claims: Readonly<JWTPayload>): boolean {
  const { iss, tid } = claims;
  if (typeof iss !== 'string') return false;
  const resolved = typeof tid === 'string' ? keyIssuer.replaceAll(TENANT_TEMPLATE, tid) : keyIssuer;
  if (resolved === iss) return true;
  const keyTenant = TENANT_IN_URL.exec(resolved)?.[1];
  const tokenTenant = TENANT_IN_URL.exec(iss)?.[1];
  return keyTenant !== undefined && typeof tid === 'string' && keyTenant === tid && tokenTenant === tid;
}
