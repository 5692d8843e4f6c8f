import { decodeJwt, type JWTHeaderParameters, type JWTPayload } from 'jose';
import { verifyChannel } from './diagnostics.ts';
import { checkHeader, HeaderMemo, malformed } from './header.ts';
import type { Introspector } from './introspection/introspector.ts';
import type { IssuerRouter } from './issuer-routing.ts';
import type { IssuerValidator } from './issuer-validator.ts';
import { buildPrincipal, type Principal } from './principal.ts';
import type { TokenCache } from './token-cache.ts';
import { isCompactJws } from './token-shape.ts';
import { type VerifiedToken, type VerifySettings, verifyToken } from './verify.ts';

export interface TokenVerifierOptions {
  router: IssuerRouter;
  settings: VerifySettings;
  /** RFC 7662: opaque tokens go to the one issuer that configures introspection. */
  introspector: Introspector | undefined;
  /** Where verified tokens are remembered, when the cache is on. */
  cache: TokenCache | undefined;
}

/**
 * A token's whole path: header, issuer, key, signature, claims, principal; at once when routing,
 * keys and imports need no wait (see `verifyToken`), a promise otherwise. The verified-token cache
 * is not consulted here (the façade does that), only filled.
 */
export class TokenVerifier {
  readonly #router: IssuerRouter;
  readonly #settings: VerifySettings;
  readonly #introspector: Introspector | undefined;
  readonly #cache: TokenCache | undefined;
  readonly #headers = new HeaderMemo();
  readonly #toleranceMs: number;
  /** The issuer that refused a token, by its error, for the verify event that reports the refusal. */
  readonly #refusedBy = new WeakMap<object, string>();

  constructor({ router, settings, introspector, cache }: TokenVerifierOptions) {
    this.#router = router;
    this.#settings = settings;
    this.#introspector = introspector;
    this.#cache = cache;
    this.#toleranceMs = settings.clockTolerance * 1000;
  }

  verify(token: string): Principal | Promise<Principal> {
    // RFC 7662: a token that is not a JWT goes to the introspection endpoint; JWTs never do.
    if (this.#introspector !== undefined && !isCompactJws(token)) return this.#introspector.verify(token);
    const header = checkHeader(token, this.#settings, this.#headers);
    const claims = this.#router.needsClaims ? unverifiedClaims(token) : undefined;
    const routed = this.#router.unconditional ?? this.#router.route(claims!);
    if (routed instanceof Promise)
      return routed.then((validator) => this.#verifyWith(token, header, claims, validator));
    return this.#verifyWith(token, header, claims, routed);
  }

  /** The configured name of the issuer that refused the token `error` was thrown for, when one got that far. */
  refusedBy(error: unknown): string | undefined {
    return typeof error === 'object' && error !== null ? this.#refusedBy.get(error) : undefined;
  }

  #verifyWith(
    token: string,
    header: JWTHeaderParameters,
    claims: JWTPayload | undefined,
    validator: IssuerValidator,
  ): Principal | Promise<Principal> {
    let verified: VerifiedToken | Promise<VerifiedToken>;
    try {
      verified = verifyToken({ token, header, claims, validator, settings: this.#settings });
    } catch (error) {
      if (verifyChannel.hasSubscribers) this.#blame(error, validator);
      throw error;
    }
    if (!(verified instanceof Promise)) return this.#principal(token, verified, validator);
    return verified.then(
      (v) => this.#principal(token, v, validator),
      verifyChannel.hasSubscribers
        ? (error: unknown) => {
            this.#blame(error, validator);
            throw error;
          }
        : undefined,
    );
  }

  #blame(error: unknown, validator: IssuerValidator): void {
    if (typeof error === 'object' && error !== null) this.#refusedBy.set(error, validator.config.name);
  }

  #principal(token: string, verified: VerifiedToken, validator: IssuerValidator): Principal {
    const principal = buildPrincipal(verified.payload, verified.issuer, validator.mapping);
    if (this.#cache) {
      const { nbf } = verified.payload;
      const notBefore = typeof nbf === 'number' ? nbf * 1000 - this.#toleranceMs : 0;
      // Claims are held twice (object and principal) and token text is 1-2 bytes a character.
      this.#cache.set(token, principal, verified.key.id, notBefore, token.length * 3);
    }
    return principal;
  }
}

function unverifiedClaims(token: string): JWTPayload {
  try {
    return decodeJwt(token);
  } catch {
    throw malformed('claims are not a JSON object');
  }
}
