/** DPoP proof verification with node:crypto: every algorithm family, the key cache, strict parsing. */
import assert from 'node:assert/strict';
import { constants, createHash, generateKeyPairSync, type KeyObject, randomUUID, sign } from 'node:crypto';
import { describe, it } from 'node:test';
import { calculateJwkThumbprint, type JWK, SignJWT } from 'jose';
import { ProofHeaderMemo } from '../../src/core/dpop/header-memo.ts';
import { accessTokenHash, checkProof } from '../../src/core/dpop/proof.ts';
import { ProofKeyCache } from '../../src/core/dpop/proof-key.ts';
import { p1363ToDer, verifyProofSignature } from '../../src/core/dpop/proof-signature.ts';

const URL_ = 'https://api.example.com/read';
const TOKEN = 'an access token';
const ALL = [
  'ES256',
  'ES384',
  'ES512',
  'PS256',
  'PS384',
  'PS512',
  'RS256',
  'RS384',
  'RS512',
  'EdDSA',
  'Ed25519',
];
const policy = { algorithms: ALL, iatWindow: 60, clockTolerance: 5 };
const request = () => ({ method: 'GET', htu: URL_, accessToken: TOKEN, now: Date.now() });

interface TestKey {
  privateKey: KeyObject;
  jwk: JWK;
}

function keyPairFor(alg: string, modulusLength = 2048): TestKey {
  const pair = alg.startsWith('ES')
    ? generateKeyPairSync('ec', { namedCurve: { ES256: 'P-256', ES384: 'P-384', ES512: 'P-521' }[alg]! })
    : alg.startsWith('RS') || alg.startsWith('PS')
      ? generateKeyPairSync('rsa', { modulusLength })
      : generateKeyPairSync('ed25519');
  return { privateKey: pair.privateKey, jwk: pair.publicKey.export({ format: 'jwk' }) as JWK };
}

function claims(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    jti: randomUUID(),
    htm: 'GET',
    htu: URL_,
    iat: Math.floor(Date.now() / 1000),
    ath: accessTokenHash(TOKEN),
    ...extra,
  };
}

async function proofFor(alg: string, key: TestKey, extra: Record<string, unknown> = {}): Promise<string> {
  return new SignJWT(claims(extra))
    .setProtectedHeader({ typ: 'dpop+jwt', alg, jwk: key.jwk })
    .sign(key.privateKey);
}

const segment = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A proof signed by node:crypto whatever the header says, to test refusals jose would not sign. */
function rawProof(header: Record<string, unknown>, sign_: (input: Buffer) => Buffer): string {
  const input = `${segment(header)}.${segment(claims())}`;
  return `${input}.${sign_(Buffer.from(input)).toString('base64url')}`;
}

/** The same base64url text with the final character's spare bits set: same bytes, other spelling. */
function respell(text: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const spare = text.length % 4 === 2 ? 0b1111 : 0b11;
  const last = alphabet.indexOf(text.at(-1)!);
  return text.slice(0, -1) + alphabet[last | spare];
}

describe('DPoP proof signatures (RFC 9449 §4.3 check 6) with node:crypto', () => {
  for (const alg of ALL) {
    it(`${alg}: a proof verifies and yields its key's RFC 7638 thumbprint`, async () => {
      const key = keyPairFor(alg);
      const verified = checkProof(await proofFor(alg, key), request(), policy);
      assert.equal(verified.jkt, await calculateJwkThumbprint(key.jwk, 'sha256'));
    });
  }

  it('checks synchronously: checkProof returns the result itself, never a promise', async () => {
    const key = keyPairFor('ES256');
    const proof = await proofFor('ES256', key);
    const verified = checkProof(proof, request(), policy);
    assert.ok(!(verified instanceof Promise));
    assert.equal(typeof verified.jti, 'string');
  });

  it('an algorithm that does not fit the key is refused as an unusable key', () => {
    const ec = keyPairFor('ES256');
    const rsa = keyPairFor('RS256');
    const smallRsa = keyPairFor('RS256', 1024);
    const ed = keyPairFor('EdDSA');
    const ecdsa = (input: Buffer) => sign('sha256', input, { key: ec.privateKey, dsaEncoding: 'ieee-p1363' });
    const cases: [string, TestKey, (input: Buffer) => Buffer][] = [
      ['RS256', ec, ecdsa], // an EC key for an RSA algorithm
      ['ES384', ec, ecdsa], // a P-256 key for the P-384 algorithm
      ['EdDSA', ec, ecdsa],
      ['ES256', rsa, (input) => sign('sha256', input, rsa.privateKey)],
      ['RS256', smallRsa, (input) => sign('sha256', input, smallRsa.privateKey)], // under 2048 bits
      ['ES256', ed, (input) => sign(null, input, ed.privateKey)],
    ];
    for (const [alg, key, signer] of cases) {
      const proof = rawProof({ typ: 'dpop+jwt', alg, jwk: key.jwk }, signer);
      assert.throws(() => checkProof(proof, request(), policy), { code: 'ERR_DPOP_PROOF_KEY' }, alg);
    }
  });

  it("a proof carrying another proof's signature (same key) is refused", async () => {
    const key = keyPairFor('ES256');
    const first = await proofFor('ES256', key);
    const second = await proofFor('ES256', key);
    const spliced = `${first.slice(0, first.lastIndexOf('.'))}${second.slice(second.lastIndexOf('.'))}`;
    assert.throws(() => checkProof(spliced, request(), policy), { code: 'ERR_DPOP_PROOF_SIGNATURE' });
  });

  it('a proof whose PS256 signature is read as RS256 is refused (padding fixed by the algorithm)', () => {
    const key = keyPairFor('RS256');
    const proof = rawProof({ typ: 'dpop+jwt', alg: 'RS256', jwk: key.jwk }, (input) =>
      sign('sha256', input, {
        key: key.privateKey,
        padding: constants.RSA_PKCS1_PSS_PADDING,
        saltLength: 32,
      }),
    );
    assert.throws(() => checkProof(proof, request(), policy), { code: 'ERR_DPOP_PROOF_SIGNATURE' });
  });

  it('an extension the server does not understand (crit) is refused', () => {
    const key = keyPairFor('ES256');
    const proof = rawProof({ typ: 'dpop+jwt', alg: 'ES256', jwk: key.jwk, crit: ['exp'], exp: 1 }, (input) =>
      sign('sha256', input, { key: key.privateKey, dsaEncoding: 'ieee-p1363' }),
    );
    assert.throws(() => checkProof(proof, request(), policy), { code: 'ERR_DPOP_PROOF_KEY' });
  });
});

describe('DPoP proofs have one spelling (strict base64url)', () => {
  it('a signature whose final character has spare bits set is refused, though it decodes the same', async () => {
    const proof = await proofFor('ES256', keyPairFor('ES256'));
    const dot = proof.lastIndexOf('.');
    assert.notEqual((proof.length - dot - 1) % 4, 0, 'an ES256 signature has spare bits');
    const respelled = `${proof.slice(0, dot + 1)}${respell(proof.slice(dot + 1))}`;
    assert.notEqual(respelled, proof);
    assert.deepEqual(
      Buffer.from(respelled.slice(dot + 1), 'base64url'),
      Buffer.from(proof.slice(dot + 1), 'base64url'),
    );
    assert.throws(() => checkProof(respelled, request(), policy), { code: 'ERR_DPOP_PROOF_MALFORMED' });
  });

  it('a header or claims segment spelled another way is refused', async () => {
    const key = keyPairFor('ES256');
    let proof = await proofFor('ES256', key);
    // A jti length that leaves spare bits in the claims segment.
    for (let pad = 1; proof.split('.')[1]!.length % 4 === 0; pad++)
      proof = await proofFor('ES256', key, { jti: `${randomUUID()}${'x'.repeat(pad)}` });
    const [header, payload, signature] = proof.split('.') as [string, string, string];
    assert.throws(() => checkProof(`${header}.${respell(payload)}.${signature}`, request(), policy), {
      code: 'ERR_DPOP_PROOF_MALFORMED',
    });
    const odd = `${header}A`; // a length no byte count encodes to
    assert.throws(() => checkProof(`${odd}.${payload}.${signature}`, request(), policy), {
      code: 'ERR_DPOP_PROOF_MALFORMED',
    });
  });
});

describe('what an attacker who read the checks sends: each refused by the check it aims past', () => {
  const key = keyPairFor('ES256');
  const p384 = keyPairFor('ES384');
  /** A proof from header and claims JSON text as given (duplicate names, `__proto__`), signed by `signer`. */
  function signedText(
    headerJson: string,
    claimsJson: string,
    signer: TestKey = key,
    hash = 'sha256',
  ): string {
    const input = `${Buffer.from(headerJson).toString('base64url')}.${Buffer.from(claimsJson).toString('base64url')}`;
    const signature = sign(hash, Buffer.from(input), { key: signer.privateKey, dsaEncoding: 'ieee-p1363' });
    return `${input}.${signature.toString('base64url')}`;
  }
  const headerText = (extra: Record<string, unknown> = {}) =>
    JSON.stringify({ typ: 'dpop+jwt', alg: 'ES256', jwk: key.jwk, ...extra });
  const claimsText = (extra: Record<string, unknown> = {}) => JSON.stringify(claims(extra));
  const refusedAs = (code: string, proof: string, label: string) =>
    assert.throws(() => checkProof(proof, request(), policy), { code }, label);

  it('the key named anywhere but jwk (jku, x5u, kid, x5c), or only under __proto__, is no key', () => {
    const jwkText = JSON.stringify(key.jwk);
    for (const [label, header] of [
      ['jku', { jku: 'https://attacker.example/jwks.json' }],
      ['x5u', { x5u: 'https://attacker.example/cert.pem' }],
      ['kid', { kid: 'client-key-1' }],
      ['x5c', { x5c: ['MIIB'] }],
    ] as const)
      refusedAs(
        'ERR_DPOP_PROOF_KEY',
        signedText(headerText({ jwk: undefined, ...header }), claimsText()),
        label,
      );
    const hidden = `{"typ":"dpop+jwt","alg":"ES256","__proto__":{"jwk":${jwkText}}}`;
    refusedAs('ERR_DPOP_PROOF_KEY', signedText(hidden, claimsText()), '__proto__');
  });

  it('keys that are symmetric, carry a secret, or are of another curve than alg; algorithms not offered', () => {
    refusedAs(
      'ERR_DPOP_PROOF_KEY',
      signedText(headerText({ jwk: { kty: 'oct', k: 'c2VjcmV0' } }), claimsText()),
      'oct',
    );
    refusedAs(
      'ERR_DPOP_PROOF_KEY',
      signedText(headerText({ jwk: { ...key.jwk, k: 'c2VjcmV0' } }), claimsText()),
      'k',
    );
    // ES256 with a P-384 key, signed over SHA-256 with it.
    refusedAs('ERR_DPOP_PROOF_KEY', signedText(headerText({ jwk: p384.jwk }), claimsText(), p384), 'P-384');
    refusedAs('ERR_DPOP_PROOF_ALGORITHM', signedText(headerText({ alg: 'ES256K' }), claimsText()), 'ES256K');
  });

  it('an unencoded payload (crit b64 false) has no claims object', () => {
    const header = headerText({ crit: ['b64'], b64: false });
    refusedAs('ERR_DPOP_PROOF_MALFORMED', signedText(header, claimsText()), 'b64');
  });

  it('a repeated header name counts once, the last (RFC 7515 §4): a proof binds to the key that signed it', () => {
    const victim = keyPairFor('ES256');
    const twoKeys = `{"typ":"dpop+jwt","alg":"ES256","jwk":${JSON.stringify(victim.jwk)},"jwk":${JSON.stringify(key.jwk)}}`;
    const verified = checkProof(signedText(twoKeys, claimsText()), request(), policy);
    assert.equal(verified.jkt, new ProofKeyCache().resolve(key.jwk)?.jkt);
    const none = `{"typ":"dpop+jwt","alg":"ES256","jwk":${JSON.stringify(key.jwk)},"alg":"none"}`;
    refusedAs('ERR_DPOP_PROOF_ALGORITHM', signedText(none, claimsText()), 'alg none last');
  });

  it('claims of the wrong type, case, size or encoding', () => {
    const now = Math.floor(Date.now() / 1000);
    for (const [code, extra] of [
      ['ERR_DPOP_PROOF_JTI', { jti: 42 }],
      ['ERR_DPOP_PROOF_JTI', { jti: '' }],
      ['ERR_DPOP_PROOF_JTI', { jti: 'j'.repeat(257) }],
      ['ERR_DPOP_PROOF_METHOD', { htm: 'get' }],
      ['ERR_DPOP_PROOF_URI', { htu: '/read' }],
      ['ERR_DPOP_PROOF_URI', { htu: [URL_] }],
      ['ERR_DPOP_PROOF_URI', { htu: 'https://api.example.com/read/' }],
      ['ERR_DPOP_PROOF_IAT', { iat: String(now) }],
      ['ERR_DPOP_PROOF_IAT', { iat: 1e308 }],
      ['ERR_DPOP_PROOF_IAT', { iat: -1 }],
      ['ERR_DPOP_PROOF_ATH', { ath: `${accessTokenHash(TOKEN)}=` }],
      ['ERR_DPOP_PROOF_ATH', { ath: createHash('sha256').update(TOKEN).digest('hex') }],
      ['ERR_DPOP_PROOF_ATH', { ath: undefined }],
    ] as const)
      refusedAs(code, signedText(headerText(), claimsText(extra)), JSON.stringify(extra).slice(0, 40));
  });

  it("tokens that end alike (the ath memo's key) each need their own ath, whatever order they come in", () => {
    // Two tokens with the same signature tail, as an attacker who can choose a token's prefix sends.
    const tail = `.${'s'.repeat(64)}`;
    const [first, second] = [`header.first-payload${tail}`, `header.second-payload${tail}`];
    const proofFor = (token: string) =>
      signedText(headerText(), claimsText({ ath: accessTokenHash(token), jti: randomUUID() }));
    const withToken = (token: string) => ({ ...request(), accessToken: token });
    for (const [token, other] of [
      [first, second],
      [second, first],
      [first, second],
    ] as const) {
      assert.equal(typeof checkProof(proofFor(token), withToken(token), policy).jkt, 'string');
      assert.throws(() => checkProof(proofFor(token), withToken(other), policy), {
        code: 'ERR_DPOP_PROOF_ATH',
      });
      assert.throws(() => checkProof(proofFor(other), withToken(token), policy), {
        code: 'ERR_DPOP_PROOF_ATH',
      });
    }
  });
});

describe('ProofKeyCache: each distinct proof key imported once, bounded', () => {
  it('the RFC 9449 §4.2 example key has the §6.1 example thumbprint', () => {
    const cache = new ProofKeyCache();
    const entry = cache.resolve({
      kty: 'EC',
      x: 'l8tFrhx-34tV3hRICRDY9zCkDlpBhF42UQUfWVAWBFs',
      y: '9VE4jf_Ok_o64zbTTlcuNJajHmt6v9TDVrU0CdvGRDA',
      crv: 'P-256',
    });
    assert.equal(entry?.jkt, '0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I');
  });

  it('the same key is reused, whatever optional members the JWK carries', () => {
    const cache = new ProofKeyCache();
    const { jwk } = keyPairFor('ES256');
    const first = cache.resolve(jwk);
    assert.ok(first);
    assert.equal(cache.resolve({ ...jwk }), first);
    assert.equal(cache.resolve({ ...jwk, kid: 'k1', use: 'sig', alg: 'ES256' }), first);
    assert.equal(cache.size, 1);
  });

  it('a stream of distinct keys never grows it past its bound; the oldest go first', () => {
    const cache = new ProofKeyCache(4);
    const jwks = Array.from({ length: 10 }, () => keyPairFor('EdDSA').jwk);
    const first = cache.resolve(jwks[0]!);
    for (const jwk of jwks) cache.resolve(jwk);
    assert.equal(cache.size, 4);
    assert.notEqual(cache.resolve(jwks[0]!), first, 'the first key was evicted and is imported again');
    assert.equal(cache.resolve(jwks[9]!), cache.resolve(jwks[9]!));
    assert.equal(ProofKeyCache.DEFAULT_MAX_ENTRIES, 1000);
  });

  it('keys node:crypto cannot import, or that WebCrypto would not use to verify, are not keys', () => {
    const cache = new ProofKeyCache();
    const { jwk } = keyPairFor('ES256');
    assert.equal(cache.resolve({ ...jwk, x: 'AAAA' }), undefined, 'not a point of the curve');
    assert.equal(cache.resolve({ ...jwk, y: 42 }), undefined);
    assert.equal(cache.resolve({ ...jwk, kty: 'oct' }), undefined);
    assert.equal(cache.resolve({ ...jwk, key_ops: ['sign'] }), undefined);
    assert.equal(cache.resolve({ ...jwk, ext: 'yes' }), undefined);
    assert.ok(cache.resolve({ ...jwk, key_ops: ['verify'], ext: true }));
    assert.equal(cache.size, 1);
  });
});

describe('proof headers parsed once per distinct header text', () => {
  it("a header seen before still meets each server's policy: its algorithm is checked on every proof", async () => {
    const key = keyPairFor('ES256');
    assert.ok(checkProof(await proofFor('ES256', key), request(), policy));
    const proof = await proofFor('ES256', key);
    assert.throws(() => checkProof(proof, request(), { ...policy, algorithms: ['PS256'] }), {
      code: 'ERR_DPOP_PROOF_ALGORITHM',
    });
    const spliced = await proofFor('ES256', key);
    const other = await proofFor('ES256', keyPairFor('ES256'));
    const forged = `${spliced.slice(0, spliced.indexOf('.'))}${other.slice(other.indexOf('.'))}`;
    assert.throws(() => checkProof(forged, request(), policy), { code: 'ERR_DPOP_PROOF_SIGNATURE' });
  });

  it('the memo keeps a bounded number of headers, oldest out first', () => {
    const memo = new ProofHeaderMemo(3);
    const proofKey = new ProofKeyCache().resolve(keyPairFor('EdDSA').jwk);
    assert.ok(proofKey);
    for (let n = 0; n < 10; n++) memo.remember(`header${n}`, { n }, proofKey);
    assert.equal(memo.size, 3);
    assert.equal(memo.get('header0'), undefined);
    assert.deepEqual(memo.get('header9')?.header, { n: 9 });
    assert.ok(Object.isFrozen(memo.get('header9')?.header));
    assert.equal(ProofHeaderMemo.DEFAULT_MAX_ENTRIES, 1000);
  });
});

describe('ECDSA proof signatures checked as DER (R || S re-encoded)', () => {
  it('encodes R and S as minimal non-negative DER integers, with the long length form for P-521', () => {
    const r = Buffer.alloc(32);
    r[31] = 1; // leading zeros dropped
    const s = Buffer.alloc(32, 0x80); // high bit set: a zero byte keeps it positive
    const der = p1363ToDer(Buffer.concat([r, s]));
    assert.equal(der.toString('hex'), `3026020101022100${'80'.repeat(32)}`);
    const wide = p1363ToDer(Buffer.alloc(132, 0xff));
    assert.equal(wide.subarray(0, 3).toString('hex'), '30818a'); // 2 × (2 + 1 + 66) bytes
    assert.equal(wide.length, 3 + 0x8a);
  });

  for (const [alg, curve, hash] of [
    ['ES256', 'P-256', 'sha256'],
    ['ES384', 'P-384', 'sha384'],
    ['ES512', 'P-521', 'sha512'],
  ] as const) {
    it(`${alg}: agrees with node's own R || S check on 300 signatures, and refuses what it refuses`, () => {
      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: curve });
      const key = new ProofKeyCache().resolve(publicKey.export({ format: 'jwk' }) as JWK);
      assert.ok(key);
      for (let n = 0; n < 300; n++) {
        const input = Buffer.from(`proof ${n}`);
        const signature = sign(hash, input, { key: privateKey, dsaEncoding: 'ieee-p1363' });
        assert.equal(verifyProofSignature(alg, key.key, input, signature), true);
        const flipped = Buffer.from(signature);
        flipped[n % flipped.length]! ^= 1;
        assert.equal(verifyProofSignature(alg, key.key, input, flipped), false);
      }
      const size = { ES256: 64, ES384: 96, ES512: 132 }[alg];
      const input = Buffer.from('proof');
      for (const bad of [
        Buffer.alloc(size),
        Buffer.alloc(size, 0xff),
        Buffer.alloc(size - 1, 1),
        Buffer.alloc(0),
      ])
        assert.equal(verifyProofSignature(alg, key.key, input, bad), false);
    });
  }
});
