/**
 * Just enough of a DPoP client (RFC 9449) for the bench: one ES256 key, its RFC 7638 thumbprint
 * (what the issuer puts in `cnf.jkt`), and proofs signed with node:crypto, so that thousands of
 * them can be made in the seconds before each timed run.
 */
import {
  createHash,
  generateKeyPairSync,
  type JsonWebKey,
  type KeyObject,
  randomUUID,
  sign,
} from 'node:crypto';

export interface DpopClientKey {
  privateKey: KeyObject;
  /** The public key as the proof header carries it (`kty`, `crv`, `x`, `y` only). */
  publicJwk: JsonWebKey;
  /** RFC 7638 SHA-256 thumbprint, base64url. */
  jkt: string;
}

export function ecPublicJwk(key: KeyObject): JsonWebKey {
  const { kty, crv, x, y } = key.export({ format: 'jwk' });
  return { kty, crv, x, y };
}

/** RFC 7638: the required members in lexicographic order, no spaces, SHA-256. */
export function thumbprint(jwk: JsonWebKey): string {
  const canonical = JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y });
  return createHash('sha256').update(canonical).digest('base64url');
}

export function makeClientKey(): DpopClientKey {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const publicJwk = ecPublicJwk(publicKey);
  return { privateKey, publicJwk, jkt: thumbprint(publicJwk) };
}

/** `ath` (RFC 9449 §4.2): base64url SHA-256 of the access token. */
export function accessTokenHash(token: string): string {
  return createHash('sha256').update(token, 'ascii').digest('base64url');
}

export interface ProofTarget {
  htm: string;
  /** Scheme, host and path of the request, as the server will rebuild it. */
  htu: string;
  ath: string;
}

/**
 * Makes proofs for one target: the header is encoded once, each proof gets its own `jti`; `iat`
 * is the moment of signing, so proofs must be used within the server's window (60 s plus its
 * clock tolerance for Gatehouse, 300 s for express-oauth2-jwt-bearer).
 */
export function proofSigner(
  privateKey: KeyObject,
  publicJwk: JsonWebKey,
  target: ProofTarget,
): (jti?: string) => string {
  const header = Buffer.from(JSON.stringify({ typ: 'dpop+jwt', alg: 'ES256', jwk: publicJwk })).toString(
    'base64url',
  );
  return (jti = randomUUID()) => {
    const claims = {
      jti,
      htm: target.htm,
      htu: target.htu,
      iat: Math.floor(Date.now() / 1000),
      ath: target.ath,
    };
    const input = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
    const signature = sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' });
    return `${input}.${signature.toString('base64url')}`;
  };
}
