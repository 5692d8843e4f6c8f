import assert from 'node:assert/strict';
import { createPublicKey, KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { makeKey } from 'gatehouse-test-support/issuer';
import { importJWK, type JWK } from 'jose';
import { keyFits, verifySignature } from '../../../src/core/keys/signature.ts';

interface Fixture {
  id: string;
  alg: string;
  token: string;
  header: { kid?: string };
  expected_signature_valid: boolean;
  key: { jwk: JWK };
  jwks?: { keys: JWK[] } | null;
}

const fixtures: Fixture[] = JSON.parse(
  readFileSync(fileURLToPath(new URL('../../fixtures/real-tokens/fixtures.json', import.meta.url)), 'utf8'),
);

function parts(token: string): [Buffer, Buffer] {
  const dot = token.lastIndexOf('.');
  return [Buffer.from(token.slice(0, dot), 'latin1'), Buffer.from(token.slice(dot + 1), 'base64url')];
}

async function keyObject(jwk: JWK, alg: string): Promise<KeyObject> {
  return KeyObject.from((await importJWK({ ...jwk, ext: true }, alg)) as CryptoKey);
}

describe('signature: the node:crypto check against the RFC 7515/7520/8037 vectors and real tokens', () => {
  const asymmetric = fixtures.filter((f) => !f.alg.startsWith('HS') && !f.id.includes('keycloak'));

  it('covers every asymmetric algorithm family in the vectors', () => {
    assert.deepEqual([...new Set(asymmetric.map((f) => f.alg))].sort(), [
      'ES256',
      'ES512',
      'EdDSA',
      'PS384',
      'RS256',
    ]);
  });

  for (const f of asymmetric) {
    it(`${f.id} (${f.alg}): ${f.expected_signature_valid ? 'verifies' : 'fails'} as its source says`, async () => {
      const jwk = f.jwks?.keys.find((k) => k.kid === f.header.kid) ?? f.key.jwk;
      const [input, signature] = parts(f.token);
      let ok = false;
      try {
        ok = verifySignature(f.alg, await keyObject(jwk, f.alg), input, signature);
      } catch {
        ok = false; // a key from another pool may not even import for this alg
      }
      assert.equal(ok, f.expected_signature_valid);
    });
  }

  it('refuses the RSA-1024 Keycloak key outright, even for its genuine signature', async () => {
    const f = fixtures.find((x) => x.id === '019-keycloak-logoutValidPayload')!;
    const key = createPublicKey({ key: f.key.jwk as import('node:crypto').JsonWebKey, format: 'jwk' });
    assert.equal(key.asymmetricKeyDetails?.modulusLength, 1024);
    assert.equal(keyFits('RS256', key), false);
    const [input, signature] = parts(f.token);
    assert.equal(verifySignature('RS256', key, input, signature), false);
  });

  it('fails on one flipped bit, a truncated signature, and the wrong algorithm for the key', async () => {
    for (const alg of ['RS256', 'PS256', 'ES256', 'EdDSA'] as const) {
      const key = await makeKey(alg);
      const pub = await keyObject(key.publicJwk, alg);
      const { SignJWT } = await import('jose');
      const token = await new SignJWT({ a: 1 }).setProtectedHeader({ alg }).sign(key.privateKey);
      const [input, signature] = parts(token);
      assert.equal(verifySignature(alg, pub, input, signature), true, alg);
      const flipped = Buffer.from(signature);
      flipped[5]! ^= 1;
      assert.equal(verifySignature(alg, pub, input, flipped), false);
      assert.equal(verifySignature(alg, pub, input, signature.subarray(0, signature.length - 1)), false);
      assert.equal(
        verifySignature(
          alg === 'ES256' ? 'ES384' : alg === 'EdDSA' ? 'RS256' : 'ES256',
          pub,
          input,
          signature,
        ),
        false,
      );
    }
  });

  it('never verifies with a private key, an HMAC algorithm or none', async () => {
    const key = await makeKey('RS256');
    const priv = KeyObject.from(key.privateKey);
    assert.equal(keyFits('RS256', priv), false);
    const pub = await keyObject(key.publicJwk, 'RS256');
    assert.equal(verifySignature('HS256', pub, Buffer.from('x'), Buffer.alloc(32)), false);
    assert.equal(verifySignature('none', pub, Buffer.from('x'), Buffer.alloc(0)), false);
  });
});
