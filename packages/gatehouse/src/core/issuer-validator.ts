import type { JWTPayload } from 'jose';
import type { FetchJsonOptions } from './keys/fetch-json.ts';
import { IssuerKeys } from './keys/issuer-keys.ts';
import type { KeyStore } from './keys/key-store.ts';
import { IssuerMetadataSource } from './keys/metadata-source.ts';
import type { Logger } from './logger.ts';
import type { ResolvedIssuer, ResolvedOptions } from './options.ts';
import { type ClaimMapping, defaultClaimMapping } from './principal.ts';
import { isIssuerTemplate, issuerFits, issuerForTenant } from './tenants.ts';

export interface IssuerValidatorOptions {
  config: ResolvedIssuer;
  /** The options every issuer shares (key fetch timing). */
  shared: ResolvedOptions;
  fetch: FetchJsonOptions;
  now: () => number;
  logger: Logger;
  onKeysLoaded: (store: KeyStore) => void;
}

/** One trusted issuer: its metadata and keys, and the expectations its tokens must meet. */
export class IssuerValidator {
  readonly config: ResolvedIssuer;
  readonly keys: IssuerKeys;
  readonly mapping: ClaimMapping;

  constructor({ config, shared, fetch, now, logger, onKeysLoaded }: IssuerValidatorOptions) {
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
          IssuerMetadataSource.discovered({
            url: source.metadataUrl,
            expectedIssuer: source.kind === 'discovery' ? source.issuer : undefined,
            options: { ...fetch, ...refresh },
            now,
            logger,
            name: config.name,
          });
    const timing = {
      ...fetch,
      cooldown: shared.keys.cooldown,
      maxAge: shared.keys.maxAge,
      retryInterval: shared.keys.retryInterval,
    };
    this.keys = new IssuerKeys({ metadata, timing, now, logger, onKeysLoaded, name: config.name });
  }

  /** The configured metadata or JWKS URL: what a key set snapshot names to come back to this issuer. */
  get sourceUrl(): string {
    const { source } = this.config;
    return source.kind === 'jwks' ? source.jwksUri : source.metadataUrl;
  }

  /** The trusted issuer (possibly a `{tenantid}` template) when known without a fetch. */
  get knownIssuer(): string | undefined {
    return this.config.source.issuer ?? this.keys.metadata.current?.issuer;
  }

  /** The trusted issuer, fetching the configured metadata if it is not known yet (503 if it cannot be had). */
  async trustedIssuer(): Promise<string> {
    return this.knownIssuer ?? (await this.keys.issuer());
  }

  /** Whether a token is this issuer's to judge, by its unverified `iss` and claims (routing only). */
  isIssuerOf(template: string, claims: Readonly<JWTPayload>): boolean {
    return (
      typeof claims.iss === 'string' &&
      issuerFits(template, claims.iss) &&
      (this.config.match?.(claims) ?? true)
    );
  }

  /** The exact `iss` a token must carry: the template's `{tenantid}` filled from `tid`, allow-list applied. */
  expectedIssuer(template: string, claims: Readonly<JWTPayload> | undefined): string {
    return issuerForTenant(template, claims, this.config.tenants);
  }

  get needsClaimsToResolve(): boolean {
    const issuer = this.knownIssuer;
    return issuer === undefined || isIssuerTemplate(issuer) || this.config.match !== undefined;
  }
}
