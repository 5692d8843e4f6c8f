import { InvalidTokenError } from './errors.ts';

/** Why a token's issuer is refused: not a trusted issuer, a tenant not allowed, or a key of another issuer. */
export type IssuerRefusal = 'issuer' | 'tenant' | 'key';

const DESCRIPTIONS: Record<IssuerRefusal, string> = {
  issuer: 'The token was issued by an untrusted issuer',
  tenant: 'The token was issued by an untrusted tenant',
  key: 'The token was signed with a key of another issuer',
};

/** The claim at fault and, where known, what it held and what was expected. */
export interface IssuerRefusalFacts {
  claim: 'iss' | 'tid';
  actual?: unknown;
  expected?: unknown;
}

/** The one builder of `ERR_TOKEN_ISSUER`: routing, tenant rules, the `iss` claim rule and key tenancy all refuse through it. */
export function issuerRefused(
  reason: IssuerRefusal,
  detail: string,
  facts: IssuerRefusalFacts,
): InvalidTokenError {
  return new InvalidTokenError('ERR_TOKEN_ISSUER', {
    description: DESCRIPTIONS[reason],
    detail,
    claim: facts.claim,
    actual: facts.actual,
    expected: facts.expected,
  });
}
