/**
 * Just enough JWS for the bench: RS256 compact tokens signed with node:crypto, and Entra-like
 * access-token claims. The bench signs its own tokens so every server sees byte-identical input.
 */
import { type KeyObject, randomUUID, sign } from 'node:crypto';

export type Claims = Record<string, unknown>;

export interface JwsHeader {
  alg: 'RS256';
  typ: 'JWT';
  kid: string;
}

export function signRs256(header: JwsHeader, claims: Claims, key: KeyObject): string {
  const input = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(
    JSON.stringify(claims),
  ).toString('base64url')}`;
  return `${input}.${sign('sha256', Buffer.from(input), key).toString('base64url')}`;
}

/** The caller every token speaks for: an Entra user (oid, pairwise sub, tenant). */
export interface BenchUser {
  oid: string;
  sub: string;
  tid: string;
}

export interface ClaimsInput {
  issuer: string;
  audience: string;
  scope: string;
  user: BenchUser;
  /** Seconds since the epoch. */
  now: number;
  /** Makes the token unique (Entra's `uti`). */
  uti?: string;
}

/** An Entra ID v2.0 access token's claims (delegated: `scp`, `azp`), valid for one hour. */
export function accessTokenClaims(input: ClaimsInput): Claims {
  return {
    aud: input.audience,
    iss: input.issuer,
    iat: input.now,
    nbf: input.now,
    exp: input.now + 3600,
    aio: 'AWQAm/8bench',
    azp: '5f7c3a9e-0b1d-4c2e-9f3a-7d6b5c4e3a21',
    azpacr: '0',
    name: 'Bench User',
    oid: input.user.oid,
    preferred_username: 'bench.user@example.com',
    rh: '0.bench.',
    scp: input.scope,
    sub: input.user.sub,
    tid: input.user.tid,
    uti: input.uti ?? randomUUID(),
    ver: '2.0',
  };
}
