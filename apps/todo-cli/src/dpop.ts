/**
 * DPoP (RFC 9449): the key this process proves possession of. It is made at start-up and lives in
 * memory only (the private key is not even extractable), so a token bound to it is useless to
 * anyone who copies the token, and to this process's next run. openid-client signs the proofs for
 * the token endpoint with the same key pair; this module signs those sent to the API.
 */
import { randomUUID } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, type JWK, SignJWT } from 'jose';
import * as oidc from 'openid-client';

/** ES256: what every DPoP server supports (oidc-provider, Entra, Auth0, Keycloak, Gatehouse). */
export const DPOP_ALGORITHM = 'ES256';

export interface DpopKey {
  /** For openid-client's getDPoPHandle (the token request). */
  readonly keyPair: CryptoKeyPair;
  /** RFC 7638 thumbprint of the public key: what a bound token carries as `cnf.jkt` (§6.1). */
  readonly thumbprint: string;
  /**
   * A fresh proof for one request to a resource server (§4.2, §7.1): a new `jti`, the method, the
   * URL without query and fragment, the current time, and `ath`, the hash of the access token.
   */
  proof(method: string, url: URL, accessToken: string, nonce?: string): Promise<string>;
}

export async function createDpopKey(): Promise<DpopKey> {
  const keyPair = await oidc.randomDPoPKeyPair(DPOP_ALGORITHM);
  // Only the public members: kty, crv, x, y.
  const { kty, crv, x, y } = await exportJWK(keyPair.publicKey);
  const jwk: JWK = { kty, crv, x, y };
  return {
    keyPair,
    thumbprint: await calculateJwkThumbprint(jwk, 'sha256'),
    async proof(method, url, accessToken, nonce) {
      const ath = Buffer.from(
        await crypto.subtle.digest('SHA-256', new TextEncoder().encode(accessToken)),
      ).toString('base64url');
      return new SignJWT({
        jti: randomUUID(),
        htm: method.toUpperCase(),
        htu: `${url.origin}${url.pathname}`,
        ath,
        ...(nonce === undefined ? {} : { nonce }),
      })
        .setProtectedHeader({ typ: 'dpop+jwt', alg: DPOP_ALGORITHM, jwk })
        .setIssuedAt()
        .sign(keyPair.privateKey);
    },
  };
}

export interface Challenge {
  /** Lower-cased auth scheme: `bearer`, `dpop`. */
  scheme: string;
  params: Record<string, string>;
}

/**
 * Every challenge of a `WWW-Authenticate` value (RFC 9110 §11.6.1: one value may carry several,
 * e.g. `DPoP realm="api", error="invalid_token", algs="ES256", Bearer realm="api"`). A bare token
 * starts a challenge; `name=value` pairs belong to the one before.
 */
export function parseChallenges(header: string | null): Challenge[] {
  const challenges: Challenge[] = [];
  if (!header) return challenges;
  const item = /[\s,]*([A-Za-z0-9!#$%&'*+.^_`|~-]+)(?:\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*)))?/gy;
  let current: Challenge | undefined;
  for (let match = item.exec(header); match !== null && match[0] !== ''; match = item.exec(header)) {
    const [, name = '', quoted, token] = match;
    if (quoted === undefined && token === undefined) {
      current = { scheme: name.toLowerCase(), params: {} };
      challenges.push(current);
    } else if (current) {
      current.params[name.toLowerCase()] =
        quoted !== undefined ? quoted.replace(/\\(.)/g, '$1') : (token ?? '');
    }
  }
  return challenges;
}
