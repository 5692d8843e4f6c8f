/**
 * passport-azure-ad's `BearerStrategy` options mapped onto Gatehouse's: each keeps its meaning, or
 * is refused at start-up with the reason, or (`tenantName`) is ignored with a warning.
 */
import type { JWTPayload } from 'jose';
import { ConfigurationError } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import { defaults, type GatehouseOptions, type IssuerOptions } from '../../core/options.ts';
import { printable, printableJson } from '../../core/printable.ts';
// The B2C preset is the one home of how a B2C token names its user flow; the drop-in reads it
// there rather than keep a second copy (adapters never import providers; a drop-in for an
// Entra-specific library may).
import { b2cPolicy, policyMismatch } from '../../providers/b2c.ts';

/** The options of passport-azure-ad's `BearerStrategy`, which users already have in their code. */
export interface BearerStrategyOptions {
  identityMetadata: string;
  clientID: string;
  audience?: string | string[];
  validateIssuer?: boolean;
  issuer?: string | string[] | null;
  isB2C?: boolean;
  policyName?: string;
  scope?: string[];
  /** Seconds. Gatehouse's default is 60; passport-azure-ad's was 300 (the maximum here). */
  clockSkew?: number;
  loggingLevel?: 'info' | 'warn' | 'error';
  loggingNoPII?: boolean;
  passReqToCallback?: boolean;
  allowMultiAudiencesInToken?: boolean;
  /**
   * Accepted and ignored, with a warning: passport-azure-ad built B2C metadata URLs from it, and
   * `identityMetadata` already says where to look.
   */
  tenantName?: string;
}

const KNOWN = new Set([
  'identityMetadata',
  'clientID',
  'audience',
  'validateIssuer',
  'issuer',
  'isB2C',
  'policyName',
  'scope',
  'clockSkew',
  'loggingLevel',
  'loggingNoPII',
  'passReqToCallback',
  'allowMultiAudiencesInToken',
  'tenantName',
]);

/** Options passport-azure-ad had that Gatehouse refuses rather than ignore, each with the reason. */
const REFUSED: Record<string, string> = {
  proxy: 'fetching keys through a proxy is not supported: set HTTPS_PROXY for the process instead',
  responseType: 'belongs to OIDCStrategy, not BearerStrategy',
  responseMode: 'belongs to OIDCStrategy, not BearerStrategy',
  redirectUrl: 'belongs to OIDCStrategy, not BearerStrategy',
  ignoreExpiration: 'is refused: an expired token is never accepted (clockSkew covers clock skew)',
};

function refuse(option: string, reason: string): never {
  throw new ConfigurationError(`BearerStrategy ${option}`, reason);
}

const MULTI_TENANT = /\/(common|organizations|consumers)\//i;

/** The B2C metadata URL for a policy: kept if it already names one, else `?p=` appended as passport-azure-ad did. */
function b2cMetadata(url: string, policy: string): string {
  const parsed = new URL(url);
  if (parsed.searchParams.has('p') || parsed.pathname.toLowerCase().includes(`/${policy.toLowerCase()}/`))
    return url;
  parsed.searchParams.set('p', policy);
  return parsed.href;
}

export function consoleLogger(level: 'info' | 'warn' | 'error'): Logger {
  const write = (method: 'info' | 'warn' | 'error') => (obj: object, msg: string) =>
    console[method](`${printable(msg)} ${printableJson(obj)}`);
  return {
    ...(level === 'info' ? { info: write('info') } : {}),
    ...(level !== 'error' ? { warn: write('warn') } : {}),
    error: write('error'),
  };
}

/**
 * Maps passport-azure-ad options onto Gatehouse, keeping their meaning where it is safe and
 * refusing, with one line, what cannot be honoured safely, and warning about what it ignores
 * (`tenantName`) — never silently ignoring an option.
 */
export function gatehouseOptionsFor(options: BearerStrategyOptions): GatehouseOptions {
  if (options === null || typeof options !== 'object') refuse('options', 'must be an object');
  for (const key of Object.keys(options)) {
    if (REFUSED[key]) refuse(key, REFUSED[key]);
    if (!KNOWN.has(key)) refuse(key, 'is not a BearerStrategy option');
  }
  const { identityMetadata, clientID } = options;
  if (typeof identityMetadata !== 'string' || !identityMetadata) refuse('identityMetadata', 'is required');
  if (typeof clientID !== 'string' || !clientID) refuse('clientID', 'is required');
  if (options.validateIssuer === false) {
    refuse(
      'validateIssuer: false',
      'is refused: list the issuers to accept in `issuer` instead (any issuer would be trusted)',
    );
  }
  if (options.loggingNoPII === false)
    refuse('loggingNoPII: false', 'is refused: Gatehouse never logs tokens or personal data');
  if (options.scope !== undefined && (!Array.isArray(options.scope) || options.scope.length === 0)) {
    refuse('scope', 'must be a non-empty array of scopes');
  }
  if (
    options.clockSkew !== undefined &&
    (typeof options.clockSkew !== 'number' || !Number.isInteger(options.clockSkew) || options.clockSkew <= 0)
  )
    refuse('clockSkew', 'must be a positive integer (seconds), as in passport-azure-ad');
  if (options.loggingLevel !== undefined && !['info', 'warn', 'error'].includes(options.loggingLevel))
    refuse('loggingLevel', "must be 'info', 'warn' or 'error'");
  if (options.isB2C && !options.policyName) refuse('isB2C', 'needs policyName');
  if (options.isB2C && !/^b2c_1a?_/i.test(options.policyName!))
    refuse('policyName', 'must start with B2C_1_ or B2C_1A_, as in passport-azure-ad');
  if (options.policyName && !options.isB2C) refuse('policyName', 'needs isB2C: true');
  const issuers =
    options.issuer == null ? [] : Array.isArray(options.issuer) ? options.issuer : [options.issuer];
  if (MULTI_TENANT.test(identityMetadata) && issuers.length === 0) {
    refuse(
      'issuer',
      'is required with a multi-tenant identityMetadata (common/organizations): accepting every tenant is not allowed',
    );
  }
  const metadataUrl = options.isB2C ? b2cMetadata(identityMetadata, options.policyName!) : identityMetadata;
  // passport-azure-ad's default: the client id, and its v1 service-principal form.
  const audience = options.audience ?? [clientID, `spn:${clientID}`];
  const policy = options.isB2C ? options.policyName : undefined;
  const multiAudience = (c: JWTPayload) =>
    !options.allowMultiAudiencesInToken && Array.isArray(c.aud) && c.aud.length > 1
      ? `token has ${c.aud.length} audiences; allowMultiAudiencesInToken is off`
      : undefined;
  // The policy is checked after the signature, not used to route: a token of another user flow
  // then names the mismatch in the log instead of reading as an untrusted issuer.
  const base: IssuerOptions = {
    metadataUrl,
    audience,
    ...(policy ? { claims: { policy: b2cPolicy } } : {}),
    validate: (c) => (policy ? policyMismatch(c, policy) : undefined) ?? multiAudience(c),
  };
  const list: IssuerOptions[] =
    issuers.length === 0 ? [base] : issuers.map((issuer) => ({ ...base, issuer, name: issuer }));
  const logger = consoleLogger(options.loggingLevel ?? 'warn');
  if (options.tenantName !== undefined) {
    logger.warn?.(
      { option: 'tenantName' },
      'gatehouse: BearerStrategy tenantName is ignored: identityMetadata already names the tenant',
    );
  }
  return { issuers: list, clockTolerance: options.clockSkew ?? defaults.clockTolerance, logger };
}
