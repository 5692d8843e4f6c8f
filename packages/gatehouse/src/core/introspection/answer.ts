import type { JWTPayload } from 'jose';
import { checkAudience, checkClaims } from '../claims-check.ts';
import { checkTokenType } from '../confirmation.ts';
import { GatehouseError, InvalidTokenError } from '../errors.ts';
import type { IssuerValidator } from '../issuer-validator.ts';
import { buildPrincipal } from '../principal.ts';
import type { Outcome } from './cache.ts';

/** What an introspection answer is judged against. */
export interface AnswerRules {
  validator: IssuerValidator;
  /** The trusted issuer (possibly a `{tenantid}` template). */
  template: string;
  /** Seconds. */
  clockTolerance: number;
  /** Seconds. */
  maxTokenAge: number;
  /** Milliseconds since the epoch. */
  now: number;
}

/**
 * RFC 7662 §2.2: only `active` is required. An inactive token is 401. An active one must still
 * pass what a JWT would: `exp` required (a lifetime this API bounds, whatever the endpoint
 * says), `aud` (or the issuer's audience claim) required and accepted, `iss` equal to the
 * issuer when present (absent: the issuer's own endpoint speaks for it), `nbf`/`iat` and
 * maxTokenAge. A sender-constrained token (`cnf`, `token_type` DPoP) is accepted only with a
 * binding this API enforces (confirmation.ts); the gate then asks for its proof or certificate.
 */
export function judgeAnswer(body: Record<string, unknown>, rules: AnswerRules): Outcome {
  try {
    if (body.active !== true) {
      throw new InvalidTokenError('ERR_TOKEN_INACTIVE', {
        description: 'The token is not active',
        detail: 'the introspection endpoint says the token is not active (revoked, expired or unknown)',
      });
    }
    const { active: _active, ...claims } = body as JWTPayload & { active: boolean };
    // RFC 9449 §6.2, RFC 8705 §3.2: a bound token keeps its cnf, which the DPoP gate enforces.
    checkTokenType(claims.token_type, claims.cnf);
    const { validator } = rules;
    const issuer = validator.expectedIssuer(rules.template, claims);
    if (claims.iss === undefined) claims.iss = issuer;
    const { audience, audienceClaim } = validator.config;
    checkClaims(claims, {
      issuer,
      audience: audienceClaim === 'aud' ? audience : undefined,
      clockTolerance: rules.clockTolerance,
      maxTokenAge: rules.maxTokenAge,
      now: Math.floor(rules.now / 1000),
    });
    if (audienceClaim !== 'aud') checkAudience(claims, audienceClaim, audience);
    return { principal: buildPrincipal(claims, issuer, validator.mapping) };
  } catch (error) {
    if (error instanceof GatehouseError) return { error };
    throw error;
  }
}
