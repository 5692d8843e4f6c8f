import type { JWTPayload } from 'jose';
import { InvalidTokenError } from './errors.ts';
import type { FetchJsonOptions } from './fetch-json.ts';
import { IssuerKeys } from './issuer-keys.ts';
import type { KeyStore } from './key-store.ts';
import type { Logger } from './logger.ts';
import { IssuerMetadataSource } from './metadata-source.ts';
import type { ResolvedIssuer, ResolvedOptions } from './options.ts';
import { type ClaimMapping, defaultClaimMapping } from './principal.ts';
import { isTenantId, TENANT_TEMPLATE } from './tenants.ts';

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const templates = new Map<string, RegExp>();

/** Does `iss` fit the trusted issuer, where `{tenantid}` (Entra multi-tenant metadata) stands for a GUID? */
export function issuerFits(template: string, iss: string): boolean {
  if (!template.includes(TENANT_TEMPLATE)) return iss === template;
  let pattern = templates.get(template);
  if (!pattern) {
    pattern = new RegExp(
      `^${escapeRegExp(template).replaceAll(escapeRegExp(TENANT_TEMPLATE), '[0-9a-fA-F-]{36}')}$`,
    );
    templates.set(template, pattern);
  }
  return pattern.test(iss);
}

/** One trusted issuer: its metadata and keys, and the expectations its tokens must meet. */
export class IssuerValidator {
  readonly config: ResolvedIssuer;
  readonly keys: IssuerKeys;
  readonly mapping: ClaimMapping;

  constructor(
    config: ResolvedIssuer,
    shared: ResolvedOptions,
    fetchOptions: FetchJsonOptions,
    now: () => number,
    logger: Logger,
    onKeysLoaded: (store: KeyStore) => void,
  ) {
    this.config = config;
    this.mapping = { ...defaultClaimMapping, ...config.claims };
    const { source } = config;
    const refresh = {
      maxAge: shared.keys.metadataMaxAge,
      retryInterval: shared.keys.retryInterval,
      cooldown: shared.keys.cooldown,
    };
    const metadata =
      source.kind === 'jwks'
        ? IssuerMetadataSource.fixed(source.issuer, source.jwksUri)
        : // Discovery by issuer must find that issuer (OIDC Discovery §4.3). An explicit metadata URL
          // may serve several issuers (Entra v1 and v2 share one tenant's keys): `issuer`, when
          // given, is what tokens must carry.
          IssuerMetadataSource.discovered(
            source.metadataUrl,
            source.kind === 'discovery' ? source.issuer : undefined,
            { ...fetchOptions, ...refresh },
            now,
            logger,
            config.name,
          );
    const policy = {
      ...fetchOptions,
      cooldown: shared.keys.cooldown,
      maxAge: shared.keys.maxAge,
      retryInterval: shared.keys.retryInterval,
    };
    this.keys = new IssuerKeys(metadata, policy, now, logger, onKeysLoaded, config.name);
  }

  /** The trusted issuer (possibly a `{tenantid}` template) when known without a fetch. */
  get knownIssuer(): string | undefined {
    return this.config.source.issuer ?? this.keys.metadata.current?.issuer;
  }

  /** The trusted issuer, fetching the configured metadata if it is not known yet (503 if it cannot be had). */
  async trustedIssuer(): Promise<string> {
    return this.knownIssuer ?? (await this.keys.issuer());
  }

  /** Whether this issuer claims a token, judged on its unverified `iss` and claims (routing only). */
  claims(template: string, claims: Readonly<JWTPayload>): boolean {
    return (
      typeof claims.iss === 'string' &&
      issuerFits(template, claims.iss) &&
      (this.config.match?.(claims) ?? true)
    );
  }

  /** The exact `iss` a token must carry: the template's `{tenantid}` filled from `tid`, allow-list applied. */
  expectedIssuer(template: string, claims: Readonly<JWTPayload> | undefined): string {
    if (!template.includes(TENANT_TEMPLATE)) return template;
    const tid = claims?.tid;
    if (!isTenantId(tid)) {
      throw new InvalidTokenError('ERR_TOKEN_ISSUER', {
        description: 'The token was issued by an untrusted issuer',
        detail: `token has no GUID "tid" to resolve the issuer template ${template}`,
        claim: 'tid',
      });
    }
    const { tenants } = this.config;
    if (tenants === undefined) {
      // The template came from fetched metadata, so creation could not demand a tenant policy.
      throw new InvalidTokenError('ERR_TOKEN_ISSUER', {
        description: 'The token was issued by an untrusted tenant',
        detail: `the metadata names the multi-tenant issuer ${template} and no tenants are configured (list them in tenants, or "any")`,
        claim: 'tid',
        actual: tid,
      });
    }
    if (tenants !== 'any' && !tenants.includes(tid)) {
      throw new InvalidTokenError('ERR_TOKEN_ISSUER', {
        description: 'The token was issued by an untrusted tenant',
        detail: `tenant ${tid} is not on the allow-list (${tenants.join(', ')})`,
        claim: 'tid',
        actual: tid,
        expected: tenants,
      });
    }
    return template.replaceAll(TENANT_TEMPLATE, tid);
  }

  get needsClaimsToResolve(): boolean {
    const issuer = this.knownIssuer;
    return issuer === undefined || issuer.includes(TENANT_TEMPLATE) || this.config.match !== undefined;
  }
}
