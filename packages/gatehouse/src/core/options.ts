import type { JWTHeaderParameters, JWTPayload } from 'jose';
import { type MtlsOptions, type ResolvedMtls, resolveMtls } from './dpop/certificate.ts';
import { type DpopMode, type DpopOptions, type ResolvedDpop, resolveDpop } from './dpop/options.ts';
import { ConfigurationError } from './errors.ts';
import {
  type IntrospectionOptions,
  type ResolvedIntrospection,
  resolveIntrospection,
} from './introspection/options.ts';
import { discoveryUrl } from './keys/discovery.ts';
import type { KeySetSnapshot } from './keys/issuer-keys.ts';
import type { IssuerSource } from './keys/issuer-source.ts';
import { ASYMMETRIC_ALGORITHMS, type AsymmetricAlgorithm } from './keys/key-store.ts';
import { secureUrl } from './keys/url-policy.ts';
import type { Logger } from './logger.ts';
import { booleanOption, numberOption, numberOptions, textOption } from './option-rules.ts';
import { CACHE_OPTIONS, ISSUER_OPTIONS, KEYS_OPTIONS, SHARED_OPTIONS } from './option-table.ts';
import type { ClaimMapping } from './principal.ts';
import { isMultiTenant, isTenantId, TENANT_TEMPLATE, type TenantPolicy } from './tenants.ts';

/** One trusted issuer: where its keys are, what its tokens must say, how its claims read. */
export interface IssuerOptions {
  /**
   * The OIDC issuer. Alone, metadata is discovered at `${issuer}/.well-known/openid-configuration`;
   * tokens must carry exactly this `iss`. `{tenantid}` (Entra multi-tenant) is replaced by the
   * token's `tid`.
   */
  issuer?: string;
  /** An explicit metadata document URL (e.g. an Azure AD B2C policy URL with `?p=`). */
  metadataUrl?: string;
  /** An explicit JWKS URL; requires `issuer`, and skips discovery. */
  jwksUri?: string;
  /** Accepted audiences; a token must carry at least one. */
  audience: string | readonly string[];
  /** The claim holding the audience. @default 'aud' (Cognito access tokens have none: 'client_id') */
  audienceClaim?: string;
  /**
   * Tenants (`tid`) allowed when the issuer is a `{tenantid}` template (Entra `common` /
   * `organizations`): their ids, or `'any'` to accept every tenant in the world (logged as a
   * warning). Required for such an issuer: without it, creation throws, and a template met only in
   * fetched metadata refuses every token.
   */
  tenants?: TenantPolicy;
  /** How claims map onto the principal (provider presets set this). */
  claims?: Partial<ClaimMapping>;
  /** Provider-specific checks after the signature: return why the token fails, or undefined. */
  validate?: (claims: Readonly<JWTPayload>, header: Readonly<JWTHeaderParameters>) => string | undefined;
  /** Further routing condition among issuers sharing one `iss` (B2C policies), on unverified claims. */
  match?: (claims: Readonly<JWTPayload>) => boolean;
  /** A name for logs and status. @default the issuer or metadata URL */
  name?: string;
  /**
   * Opaque (non-JWT) access tokens of this issuer, validated at its RFC 7662 introspection
   * endpoint. At most one trusted issuer may set it (an opaque token names no issuer).
   */
  introspection?: IntrospectionOptions;
}

/** Settings shared by every trusted issuer. */
export interface SharedOptions {
  /** Accepted signature algorithms (asymmetric only). @default every asymmetric JWS algorithm */
  algorithms?: readonly AsymmetricAlgorithm[];
  /** Seconds of clock skew allowed on `exp`, `nbf` and `iat`. @default 60 */
  clockTolerance?: number;
  /**
   * The longest lifetime accepted, in seconds (60 to 31622400): a token whose `exp` is more than
   * this after its `iat` (after now plus the clock tolerance when it has no `iat`) is refused.
   * A stolen token is good until it expires, and a signing key or an issuer misconfiguration
   * could mint one for decades; this caps the damage whatever the issuer says. The default, 24 h,
   * is the longest default access-token lifetime among the providers with presets (Auth0's
   * 86400 s; Okta and Cognito allow at most 24 h; Entra issues 60 to 90 min, Keycloak 5 min).
   * Raise it only for an issuer configured for longer (Entra continuous access evaluation: 28 h).
   * @default 86400
   */
  maxTokenAge?: number;
  /** Header `typ` rules. @default { strict: false } (accepts `JWT`, `at+jwt` or none; strict demands `at+jwt`) */
  tokenType?: { strict: boolean };
  /** The `realm` in `WWW-Authenticate` challenges. @default 'api' */
  realm?: string;
  /**
   * The URL of this resource's protected-resource metadata document (RFC 9728 §3), sent as
   * `resource_metadata="..."` in every 401 and 403 challenge (RFC 9728 §5.1) so that a client
   * with no usable token finds the authorization servers and scopes it needs.
   */
  resourceMetadata?: string;
  /** Fetching and caching of metadata and keys (milliseconds). */
  keys?: {
    /** @default 5000 */ timeout?: number;
    /** Minimum gap between fetches for any reason (unknown `kid`, stale, retry) once loaded; at most 30000. @default 30000 */ cooldown?: number;
    /** Key set freshness; refreshed in the background at 80%. @default 600000 */ maxAge?: number;
    /** Metadata freshness. @default 86400000 */ metadataMaxAge?: number;
    /** Cap of the back-off between retries while fetches fail; at most 10000. @default 10000 */ retryInterval?: number;
    /** @default 524288 */ maxBytes?: number;
  };
  /**
   * The verified-token cache: a repeated token skips signature and claim checks until its `exp`.
   * Authorization still runs on every request. @default { enabled: true, maxEntries: 10000, maxBytes: 33554432 }
   */
  cache?: { enabled: boolean; maxEntries?: number; maxBytes?: number };
  /** Keys exported by `exportSnapshot()` in an earlier process, for a cold start without the issuer. */
  snapshot?: KeySetSnapshot | readonly KeySetSnapshot[];
  logger?: Logger;
  /** Milliseconds since the epoch; tests inject a clock. @default Date.now */
  clock?: () => number;
  /** Replaces global fetch for metadata, JWKS and introspection requests. */
  fetch?: typeof fetch;
  /**
   * DPoP (RFC 9449): `'off' | 'allowed' | 'required'` or `DpopOptions`. A DPoP-bound token sent as
   * Bearer is refused in every mode. @default 'allowed'
   */
  dpop?: DpopMode | DpopOptions;
  /** Certificate-bound tokens (RFC 8705): where the client certificate comes from. @default Node's TLS socket */
  mtls?: MtlsOptions;
}

/** One issuer inline, or several (`issuers`), each token routed by its `iss`. */
export type GatehouseOptions = SharedOptions & (IssuerOptions | { issuers: readonly IssuerOptions[] });

export type { IssuerSource };

export interface ResolvedIssuer {
  name: string;
  source: IssuerSource;
  audience: readonly string[];
  audienceClaim: string;
  tenants: TenantPolicy | undefined;
  claims: Partial<ClaimMapping>;
  validate: IssuerOptions['validate'];
  match: IssuerOptions['match'];
  /** RFC 7662 introspection of opaque tokens, when configured. */
  introspection?: ResolvedIntrospection;
}

export interface ResolvedOptions {
  issuers: readonly ResolvedIssuer[];
  algorithms: readonly AsymmetricAlgorithm[];
  clockTolerance: number;
  maxTokenAge: number;
  strictType: boolean;
  realm: string;
  resourceMetadata: string | undefined;
  keys: {
    timeout: number;
    cooldown: number;
    maxAge: number;
    metadataMaxAge: number;
    retryInterval: number;
    maxBytes: number;
  };
  cache: { enabled: boolean; maxEntries: number; maxBytes: number };
  dpop: ResolvedDpop;
  mtls: ResolvedMtls;
}

/** The defaults of the numeric and plain options, as read from the option table. */
export const defaults = {
  algorithms: SHARED_OPTIONS.algorithms.default,
  clockTolerance: SHARED_OPTIONS.clockTolerance.default,
  maxTokenAge: SHARED_OPTIONS.maxTokenAge.default,
  realm: SHARED_OPTIONS.realm.default,
  cache: {
    enabled: CACHE_OPTIONS.enabled.default,
    maxEntries: CACHE_OPTIONS.maxEntries.default,
    maxBytes: CACHE_OPTIONS.maxBytes.default,
  },
  keys: {
    timeout: KEYS_OPTIONS.timeout.default,
    cooldown: KEYS_OPTIONS.cooldown.default,
    maxAge: KEYS_OPTIONS.maxAge.default,
    metadataMaxAge: KEYS_OPTIONS.metadataMaxAge.default,
    retryInterval: KEYS_OPTIONS.retryInterval.default,
    maxBytes: KEYS_OPTIONS.maxBytes.default,
  },
} as const;

function strings(value: unknown, path: string): readonly string[] {
  const list = typeof value === 'string' ? [value] : value;
  if (
    !Array.isArray(list) ||
    list.length === 0 ||
    list.some((a) => typeof a !== 'string' || a.length === 0)
  ) {
    throw new ConfigurationError(path, 'must be a non-empty string or array of non-empty strings');
  }
  return Object.freeze([...list]);
}

function source(options: IssuerOptions, at: string): IssuerSource {
  const { issuer } = options;
  // The issuer is compared byte for byte with `iss`, so keep it as written; only check its scheme.
  if (issuer !== undefined) secureUrl(issuer.replaceAll(TENANT_TEMPLATE, 'tenant'), `${at}issuer`);
  if (options.metadataUrl !== undefined && options.jwksUri !== undefined) {
    throw new ConfigurationError(`${at}metadataUrl`, 'and jwksUri are exclusive: give one');
  }
  if (options.metadataUrl !== undefined) {
    return { kind: 'metadata', metadataUrl: secureUrl(options.metadataUrl, `${at}metadataUrl`).href, issuer };
  }
  if (options.jwksUri !== undefined) {
    if (!issuer)
      throw new ConfigurationError(`${at}issuer`, 'is required with jwksUri (tokens must name their issuer)');
    return { kind: 'jwks', jwksUri: secureUrl(options.jwksUri, `${at}jwksUri`).href, issuer };
  }
  if (!issuer)
    throw new ConfigurationError(`${at}issuer`, 'is required (or metadataUrl, or jwksUri with issuer)');
  if (issuer.includes(TENANT_TEMPLATE))
    throw new ConfigurationError(`${at}issuer`, 'template needs metadataUrl or jwksUri');
  return {
    kind: 'discovery',
    metadataUrl: discoveryUrl(issuer),
    issuer,
  };
}

function tenantPolicy(options: IssuerOptions, at: string): TenantPolicy | undefined {
  const { tenants } = options;
  if (tenants === undefined) {
    if (isMultiTenant(options.issuer, options.metadataUrl)) {
      throw new ConfigurationError(
        `${at}tenants`,
        'is required with a multi-tenant ({tenantid}) issuer: list the tenant ids allowed to call, or "any" to accept every tenant',
      );
    }
    return undefined;
  }
  if (tenants === 'any') return 'any';
  const list = strings(tenants, `${at}tenants`);
  const bad = list.find((tenant) => !isTenantId(tenant));
  if (bad !== undefined)
    throw new ConfigurationError(
      `${at}tenants`,
      `holds ${JSON.stringify(bad)}, not a tenant id (GUID) or "any"`,
    );
  return list;
}

function resolveIssuer(options: IssuerOptions, at: string): ResolvedIssuer {
  for (const key of Object.keys(options)) {
    const known = Object.hasOwn(ISSUER_OPTIONS, key) || (at === '' && Object.hasOwn(SHARED_OPTIONS, key));
    if (!known && !(at === '' && key === 'issuers'))
      throw new ConfigurationError(`${at}${key}`, 'is not a known option');
  }
  const src = source(options, at);
  for (const name of ['validate', 'match'] as const) {
    if (options[name] !== undefined && typeof options[name] !== 'function')
      throw new ConfigurationError(`${at}${name}`, 'must be a function');
  }
  return {
    name: options.name ?? src.issuer ?? (src.kind === 'jwks' ? src.jwksUri : src.metadataUrl),
    source: src,
    audience: strings(options.audience, `${at}audience`),
    audienceClaim: options.audienceClaim ?? ISSUER_OPTIONS.audienceClaim.default,
    tenants: tenantPolicy(options, at),
    claims: { ...options.claims },
    validate: options.validate,
    match: options.match,
    ...introspectionOf(options, at, src),
  };
}

/** `introspection`, checked at creation (absent: no key, so existing resolved shapes are unchanged). */
function introspectionOf(
  options: IssuerOptions,
  at: string,
  src: IssuerSource,
): { introspection?: ResolvedIntrospection } {
  const introspection = resolveIntrospection(options.introspection, at, src.kind !== 'jwks');
  return introspection === undefined ? {} : { introspection };
}

/** Validates options once, at construction, so a bad deployment fails at start-up with the option's path. */
export function resolveOptions(options: GatehouseOptions): ResolvedOptions {
  if (options === null || typeof options !== 'object')
    throw new ConfigurationError('options', 'must be an object');
  let issuers: ResolvedIssuer[];
  if ('issuers' in options) {
    for (const key of Object.keys(options)) {
      if (!Object.hasOwn(SHARED_OPTIONS, key) && key !== 'issuers')
        throw new ConfigurationError(key, 'is not a known option (per-issuer options go inside issuers[])');
    }
    if (!Array.isArray(options.issuers) || options.issuers.length === 0)
      throw new ConfigurationError('issuers', 'must be a non-empty array');
    issuers = options.issuers.map((issuer, i) => resolveIssuer(issuer, `issuers[${i}].`));
  } else {
    issuers = [resolveIssuer(options, '')];
  }
  if (issuers.filter((issuer) => issuer.introspection !== undefined).length > 1)
    throw new ConfigurationError(
      'issuers',
      'may set introspection on one issuer only (an opaque token does not say which issuer it came from)',
    );
  const algorithms = options.algorithms ?? SHARED_OPTIONS.algorithms.default;
  if (!Array.isArray(algorithms) || algorithms.length === 0)
    throw new ConfigurationError('algorithms', 'must be a non-empty array');
  for (const alg of algorithms) {
    if (!(ASYMMETRIC_ALGORITHMS as readonly string[]).includes(alg)) {
      throw new ConfigurationError(
        'algorithms',
        `contains ${JSON.stringify(alg)}; only asymmetric algorithms (${ASYMMETRIC_ALGORITHMS.join(', ')}) are allowed`,
      );
    }
  }
  // A `tokenType` given is an object whose `strict` must be said; absent, the default applies.
  const strictType =
    options.tokenType === undefined
      ? SHARED_OPTIONS.tokenType.strict.default
      : booleanOption(
          SHARED_OPTIONS.tokenType.strict,
          options.tokenType?.strict,
          'tokenType.strict',
          'refuse',
        );
  const realm = textOption(SHARED_OPTIONS.realm, options.realm, 'realm');
  // Likewise `cache`: `{ enabled: false }` is how it is turned off, so `enabled` is never implied.
  const cache = options.cache ?? { enabled: CACHE_OPTIONS.enabled.default };
  const enabled = booleanOption(CACHE_OPTIONS.enabled, cache.enabled, 'cache.enabled', 'refuse');
  return {
    issuers: Object.freeze(issuers),
    algorithms: Object.freeze([...algorithms]),
    clockTolerance: numberOption(SHARED_OPTIONS.clockTolerance, options.clockTolerance, 'clockTolerance'),
    maxTokenAge: numberOption(SHARED_OPTIONS.maxTokenAge, options.maxTokenAge, 'maxTokenAge'),
    strictType,
    realm,
    resourceMetadata:
      options.resourceMetadata === undefined
        ? undefined
        : secureUrl(options.resourceMetadata, 'resourceMetadata').href,
    keys: numberOptions(KEYS_OPTIONS, options.keys ?? {}, 'keys.'),
    cache: {
      enabled,
      maxEntries: numberOption(CACHE_OPTIONS.maxEntries, cache.maxEntries, 'cache.maxEntries'),
      maxBytes: numberOption(CACHE_OPTIONS.maxBytes, cache.maxBytes, 'cache.maxBytes'),
    },
    dpop: resolveDpop(options.dpop),
    mtls: resolveMtls(options.mtls),
  };
}
