import type { JWTPayload } from 'jose';
import { InvalidTokenError } from './errors.ts';

/** Who is calling, as the rest of the application sees it. */
export interface Principal {
  /**
   * Stable user or app id: `oid` (Entra), else `sub`. Unique within one issuer only: use it as
   * the data owner when a single issuer is trusted, `issuerSubject` when several are.
   */
  readonly subject: string;
  readonly issuer: string;
  /**
   * `subject` qualified by `issuer`, unique across every trusted issuer: the JSON array
   * `["<issuer>","<subject>"]`. Two issuers may hand out the same `sub` to different people, and
   * any separator could occur inside an issuer URL or a subject, so a plain join could make two
   * pairs one key; JSON's quoting cannot. Stable across releases: safe to store as a data owner.
   */
  readonly issuerSubject: string;
  /** `tid`, when the issuer has tenants. */
  readonly tenant: string | undefined;
  /** The calling application: `azp`, `appid` or `client_id`. */
  readonly clientId: string | undefined;
  /** Delegated scopes (`scp` or `scope`, string or array). */
  readonly scopes: readonly string[];
  /** App permissions or roles (`roles`). */
  readonly roles: readonly string[];
  /** True for an application acting as itself (client credentials), not on behalf of a user. */
  readonly isApp: boolean;
  /** The user flow or policy that issued the token (Azure AD B2C `tfp`/`acr`), when the preset reads one. */
  readonly policy: string | undefined;
  /**
   * The authentication context the user signed in with, as the issuer says it: `acr` by default,
   * Entra's `acrs`, B2C's policy (`tfp`/`acr`). What RFC 9470 step-up requirements compare.
   */
  readonly authContext?: readonly string[];
  /** Seconds since the epoch. */
  readonly expiresAt: number;
  /** Every verified claim, untouched. */
  readonly claims: Readonly<JWTPayload>;
}

/** How claims become principal fields; provider presets replace parts of it. */
export interface ClaimMapping {
  subject(claims: JWTPayload): string | undefined;
  tenant(claims: JWTPayload): string | undefined;
  clientId(claims: JWTPayload): string | undefined;
  scopes(claims: JWTPayload): string[];
  roles(claims: JWTPayload): string[];
  isApp(claims: JWTPayload, scopes: readonly string[], roles: readonly string[]): boolean;
  policy(claims: JWTPayload): string | undefined;
  /** The authentication context classes of the sign-in (RFC 9470 §6.1 `acr`). */
  authContext?(claims: JWTPayload): string[];
}

export function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/** A space-separated string or an array of strings, as issuers variously send scope lists. */
export function stringList(value: unknown): string[] {
  if (typeof value === 'string') return value.split(' ').filter((s) => s.length > 0);
  if (Array.isArray(value)) return value.filter((s): s is string => typeof s === 'string' && s.length > 0);
  return [];
}

/**
 * `isApp`, Entra's way (the claim names the default mapping reads). `idtyp: "app"` is the optional
 * claim Entra sets on app-only tokens, and `idtyp: "user"` on user tokens. Without it, an app-only
 * token is one with application permissions (`roles`) and no delegated scopes; a user can ask for
 * fewer scopes, so where `oid` is present it must also equal `sub`, which Entra makes true only
 * for an application (a user's `sub` is a per-application pairwise id). Users choose none of
 * `idtyp`, `roles`, `oid` or `sub`. Source: Microsoft identity platform, "Access token claims
 * reference" (`idtyp`, `roles`, `scp`, `oid`, `sub`) and "Optional claims reference" (`idtyp`).
 */
export const defaultClaimMapping: ClaimMapping = {
  subject: (c) => text(c.oid) ?? text(c.sub),
  tenant: (c) => text(c.tid),
  clientId: (c) => text(c.azp) ?? text(c.appid) ?? text(c.client_id),
  scopes: (c) => stringList(c.scp ?? c.scope),
  roles: (c) => stringList(c.roles),
  isApp: (c, scopes, roles) =>
    c.idtyp === 'app' ||
    (c.idtyp === undefined &&
      scopes.length === 0 &&
      roles.length > 0 &&
      (c.oid === undefined || c.oid === c.sub)),
  policy: () => undefined,
  authContext: (c) => {
    const acr = text(c.acr);
    return acr === undefined ? [] : [acr];
  },
};

export function buildPrincipal(
  claims: JWTPayload,
  issuer: string,
  mapping: ClaimMapping = defaultClaimMapping,
): Principal {
  const subject = mapping.subject(claims);
  if (subject === undefined) {
    throw new InvalidTokenError('ERR_TOKEN_CLAIM', {
      description: 'The token has no subject',
      detail: 'token has neither "oid" nor "sub"',
      claim: 'sub',
    });
  }
  const scopes = Object.freeze(mapping.scopes(claims));
  const roles = Object.freeze(mapping.roles(claims));
  return Object.freeze({
    subject,
    issuer,
    issuerSubject: JSON.stringify([issuer, subject]),
    tenant: mapping.tenant(claims),
    clientId: mapping.clientId(claims),
    scopes,
    roles,
    isApp: mapping.isApp(claims, scopes, roles),
    policy: mapping.policy(claims),
    authContext: Object.freeze((mapping.authContext ?? defaultClaimMapping.authContext!)(claims)),
    expiresAt: Number(claims.exp),
    claims: Object.freeze(claims),
  });
}
