/** A DPoP client for tests: a real key pair, real proofs (RFC 9449 §4.2), each claim overridable. */
import { randomUUID } from 'node:crypto';
import { type CryptoKey, calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { accessTokenHash } from '../../src/core/dpop/proof.ts';

export interface DpopKey {
  alg: 'ES256' | 'EdDSA' | 'PS256';
  privateKey: CryptoKey;
  publicJwk: JWK;
  privateJwk: JWK;
  /** RFC 7638 thumbprint: what the issuer puts in `cnf.jkt`. */
  jkt: string;
}

export async function makeDpopKey(alg: DpopKey['alg'] = 'ES256'): Promise<DpopKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, {
    extractable: true,
    ...(alg === 'EdDSA' ? { crv: 'Ed25519' } : {}),
  });
  const publicJwk = await exportJWK(publicKey);
  return {
    alg,
    privateKey,
    publicJwk,
    privateJwk: await exportJWK(privateKey),
    jkt: await calculateJwkThumbprint(publicJwk, 'sha256'),
  };
}

export interface ProofInit {
  method: string;
  url: string;
  token: string;
  /** Claims replacing the defaults; `undefined` removes one. */
  claims?: Record<string, unknown>;
  /** Header members replacing the defaults; `undefined` removes one. */
  header?: Record<string, unknown>;
  /** Sign with this key instead (the header still carries `key`'s public JWK unless `header.jwk` says otherwise). */
  signWith?: CryptoKey | Uint8Array;
}

export async function makeProof(key: DpopKey, init: ProofInit): Promise<string> {
  const target = new URL(init.url);
  const claims: Record<string, unknown> = {
    jti: randomUUID(),
    htm: init.method,
    htu: `${target.origin}${target.pathname}`,
    iat: Math.floor(Date.now() / 1000),
    ath: accessTokenHash(init.token),
    ...init.claims,
  };
  const header: Record<string, unknown> = {
    typ: 'dpop+jwt',
    alg: key.alg,
    jwk: key.publicJwk,
    ...init.header,
  };
  for (const [name, value] of Object.entries(claims)) if (value === undefined) delete claims[name];
  for (const [name, value] of Object.entries(header)) if (value === undefined) delete header[name];
  return new SignJWT(claims)
    .setProtectedHeader(header as { alg: string })
    .sign(init.signWith ?? key.privateKey);
}
