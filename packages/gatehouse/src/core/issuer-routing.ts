import type { JWTPayload } from 'jose';
import type { InvalidTokenError } from './errors.ts';
import { issuerRefused } from './issuer-errors.ts';
import type { IssuerValidator } from './issuer-validator.ts';
import { issuerFits } from './tenants.ts';

/** Picks the trusted issuer whose tokens a token claims to be, before anything is verified. */
export class IssuerRouter {
  readonly issuers: readonly IssuerValidator[];
  /** The only issuer, when one is trusted. */
  readonly #single: IssuerValidator | undefined;

  constructor(issuers: readonly IssuerValidator[]) {
    this.issuers = issuers;
    this.#single = issuers.length === 1 ? issuers[0] : undefined;
  }

  /** Whether routing (or an issuer template) needs the token's unverified claims decoded. */
  get needsClaims(): boolean {
    return this.#single === undefined || this.#single.needsClaimsToResolve;
  }

  /** The issuer every token goes to without routing: the only one, when it sets no routing condition. */
  get unconditional(): IssuerValidator | undefined {
    const single = this.#single;
    return single !== undefined && !single.config.match ? single : undefined;
  }

  /**
   * The issuer that judges a token, by its unverified `iss` (and the issuer's routing condition, as
   * one B2C user flow has); an `iss` on no list is refused before any request to anyone. At once
   * when an issuer known without a fetch takes it.
   */
  route(claims: Readonly<JWTPayload>): IssuerValidator | Promise<IssuerValidator> {
    const pending: IssuerValidator[] = [];
    for (const v of this.issuers) {
      const known = v.knownIssuer;
      if (known === undefined) pending.push(v);
      else if (v.isIssuerOf(known, claims)) return v;
    }
    if (pending.length === 0) throw this.#untrusted(claims.iss);
    return this.#routeByMetadata(pending, claims);
  }

  /** Only issuers configured by metadata URL are left: their issuer comes from our own configured URL. */
  async #routeByMetadata(
    pending: readonly IssuerValidator[],
    claims: Readonly<JWTPayload>,
  ): Promise<IssuerValidator> {
    let unavailable: unknown;
    for (const v of pending) {
      try {
        if (v.isIssuerOf(await v.trustedIssuer(), claims)) return v;
      } catch (error) {
        unavailable = error;
      }
    }
    if (unavailable) throw unavailable;
    throw this.#untrusted(claims.iss);
  }

  /** The configured name of the issuer a verified token's `iss` belongs to (for diagnostics events only). */
  nameOf(iss: string): string | undefined {
    if (this.#single) return this.#single.config.name;
    for (const v of this.issuers) {
      const known = v.knownIssuer;
      if (known !== undefined && issuerFits(known, iss)) return v.config.name;
    }
    return undefined;
  }

  #untrusted(iss: unknown): InvalidTokenError {
    const names = this.issuers.map((v) => v.config.name);
    return issuerRefused(
      'issuer',
      `iss ${JSON.stringify(iss) ?? 'absent'} is not one of the trusted issuers (${names.join(', ')})`,
      { claim: 'iss', actual: iss },
    );
  }
}
