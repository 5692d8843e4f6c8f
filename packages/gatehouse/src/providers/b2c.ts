import type { JWTPayload } from 'jose';
import { ConfigurationError, ForbiddenError } from '../core/errors.ts';
import type { IssuerOptions } from '../core/options.ts';
import type { Requirement } from '../core/policy.ts';
import { stringList, text } from '../core/principal.ts';
import { entra } from './entra.ts';
import { type PresetOptions, type ProviderConfig, required, trimSlash } from './shared.ts';

export interface B2cOptions extends PresetOptions {
  /** The tenant name: `contoso` for `contoso.onmicrosoft.com` / `contoso.b2clogin.com`. */
  tenant: string;
  /** The tenant (directory) GUID, which B2C puts in its issuer. */
  tenantId: string;
  /** The API's application (client) id: the default audience. */
  clientId: string;
  /**
   * User flows / custom policies to accept (`B2C_1_signupsignin1`), or their full metadata URLs
   * (either `/{policy}/v2.0/.well-known/openid-configuration` or the `?p={policy}` form).
   */
  policies: readonly string[];
  /** Host of user-flow tokens. @default `${tenant}.b2clogin.com` (a custom domain goes here) */
  domain?: string;
  /**
   * Also accept client-credentials tokens of the tenant, which carry the Entra issuer
   * `https://login.microsoftonline.com/{tenantId}/v2.0` rather than b2clogin.com. @default false
   */
  appTokens?: boolean;
  /** Base URL of those app tokens' issuer. @default 'https://login.microsoftonline.com' */
  appTokenInstance?: string;
}

/** The policy a B2C token came through: `tfp` (default) or `acr` (the older option). */
export function b2cPolicy(claims: Readonly<JWTPayload>): string | undefined {
  return text(claims.tfp) ?? text(claims.acr);
}

/** Token-derived text for a log line: JSON-quoted, controls and line separators escaped, bounded. */
function logSafe(value: string): string {
  const bounded = value.length > 80 ? `${value.slice(0, 80)}...` : value;
  return JSON.stringify(bounded).replace(
    /[\u007f-\u009f\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/**
 * Why a B2C token is not one of `policy`'s, for the operator's log: another user flow's token
 * otherwise reads as an untrusted issuer, since all of a tenant's flows share one `iss`.
 */
export function policyMismatch(claims: Readonly<JWTPayload>, policy: string): string | undefined {
  const got = b2cPolicy(claims);
  if (got?.toLowerCase() === policy.toLowerCase()) return undefined;
  const source = text(claims.tfp) !== undefined ? 'tfp' : 'acr';
  return got === undefined
    ? `policy mismatch: expected ${policy}; the token has no tfp or acr claim`
    : `policy mismatch: expected ${policy}; the token's ${source} is ${logSafe(got)} (a token of another user flow)`;
}

function policyOf(entry: string): { policy: string; metadataUrl: string | undefined } {
  if (!/^https?:\/\//.test(entry)) return { policy: entry, metadataUrl: undefined };
  const url = new URL(entry);
  const policy = url.searchParams.get('p') ?? url.pathname.split('/').find((s) => /^b2c_1a?_/i.test(s));
  if (!policy) throw new ConfigurationError('b2c.policies', `cannot tell the policy of ${entry}`);
  return { policy, metadataUrl: entry };
}

/**
 * Azure AD B2C: one issuer per policy (they share `iss`, so tokens are routed by their `tfp`/`acr`),
 * the policy exposed as `principal.policy`, and optionally the tenant's client-credentials tokens.
 */
export function b2c(options: B2cOptions): ProviderConfig {
  const tenant = required(options.tenant, 'b2c.tenant');
  const tenantId = required(options.tenantId, 'b2c.tenantId');
  const clientId = required(options.clientId, 'b2c.clientId');
  if (!Array.isArray(options.policies) || options.policies.length === 0)
    throw new ConfigurationError('b2c.policies', 'must list at least one policy');
  const base = trimSlash(options.instance ?? `https://${options.domain ?? `${tenant}.b2clogin.com`}`);
  const issuer = `${base}/${tenantId}/v2.0/`;
  const audience = options.audience ?? clientId;
  const issuers: IssuerOptions[] = options.policies.map((entry) => {
    const { policy, metadataUrl } = policyOf(entry);
    const wanted = policy.toLowerCase();
    return {
      name: `b2c:${policy}`,
      issuer,
      ...(options.jwksUri
        ? { jwksUri: options.jwksUri }
        : {
            metadataUrl:
              metadataUrl ??
              `${base}/${tenant}.onmicrosoft.com/${policy}/v2.0/.well-known/openid-configuration`,
          }),
      audience,
      // B2C's `acr` (or `tfp`) names the user flow: the policy is what a step-up asks for.
      claims: { policy: b2cPolicy, authContext: (c) => stringList(b2cPolicy(c)) },
      match: (claims) => b2cPolicy(claims)?.toLowerCase() === wanted,
    };
  });
  if (options.appTokens) {
    const app = entra({
      tenantId,
      clientId,
      audience,
      instance: options.appTokenInstance ?? 'https://login.microsoftonline.com',
      ...(options.jwksUri ? { jwksUri: options.jwksUri } : {}),
    }).issuers;
    issuers.push(...app.map((i) => ({ ...i, name: `b2c-app:${tenantId}` })));
  }
  return { issuers };
}

/**
 * For APIs that accept several user flows but want one of them on some routes (e.g. an MFA flow, as
 * Microsoft's B2C Node.js API tutorial shows): the token must come through one of these policies, else 403.
 */
export function requirePolicy(...policies: string[]): Requirement {
  if (policies.length === 0 || policies.some((p) => typeof p !== 'string' || p.length === 0)) {
    throw new ConfigurationError('requirePolicy(policies)', 'must name at least one policy');
  }
  const wanted = policies.map((p) => p.toLowerCase());
  return {
    description: `policy ${policies.join(' or ')}`,
    check: (p) =>
      p.policy !== undefined && wanted.includes(p.policy.toLowerCase())
        ? undefined
        : new ForbiddenError({
            description: 'The token was not issued through the policy this resource requires',
            detail: `token policy ${JSON.stringify(p.policy) ?? 'absent'}; required ${policies.join(' or ')}`,
            claim: 'tfp',
            actual: p.policy,
            expected: policies,
          }),
  };
}
