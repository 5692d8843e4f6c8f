import assert from 'node:assert/strict';
import { createHash, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { TestIssuer } from 'gatehouse-test-support/issuer';
import { keyFits, verifySignature } from '../../../src/core/keys/signature.ts';
import { createGatehouse, GatehouseError, type Logger } from '../../../src/index.ts';
import { b64url } from '../../helpers/tokens.ts';

/** DER prefix of a SHA-256 DigestInfo (RFC 8017 §9.2 note 1). */
const SHA256_DIGEST_INFO = Buffer.from('3031300d060960864801650304020105000420', 'hex');

/**
 * An RS256 token "signed" for a key with e = 1: s^1 mod n is s, so the signature is the
 * PKCS#1 v1.5 encoded digest itself, written without any private key.
 */
function forgeForExponentOne(header: Record<string, unknown>, payload: Record<string, unknown>): string {
  const input = `${b64url(header)}.${b64url(payload)}`;
  const digest = createHash('sha256').update(input).digest();
  const t = Buffer.concat([SHA256_DIGEST_INFO, digest]);
  const em = Buffer.concat([
    Buffer.from([0, 1]),
    Buffer.alloc(256 - t.length - 3, 0xff),
    Buffer.from([0]),
    t,
  ]);
  return `${input}.${em.toString('base64url')}`;
}

/** The modulus of a real 2048-bit key, to publish with a chosen exponent. */
function modulus(): string {
  const { n } = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ format: 'jwk' });
  return n!;
}

/** A Base64urlUInt (RFC 7518 §2), as JWKs carry `e`. */
function base64urlUInt(value: bigint): string {
  const hex = value.toString(16);
  return Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex').toString('base64url');
}

describe('weak RSA exponents: refused one key at a time, like short moduli', () => {
  let issuer: TestIssuer;
  let warnings: { obj: object; msg: string }[];
  const logger: Logger = { warn: (obj, msg) => warnings.push({ obj, msg }) };
  const made: { close(): void }[] = [];
  const make = () => {
    const gh = createGatehouse({
      issuer: issuer.url,
      audience: issuer.audience,
      logger,
      keys: { timeout: 500, retryInterval: 100 },
    });
    made.push(gh);
    return gh;
  };
  const codeOf = (p: Promise<unknown>) =>
    p.then(
      () => ({ code: 'OK', status: 200 }),
      (e: unknown) => {
        assert.ok(e instanceof GatehouseError, String(e));
        return { code: e.code, status: e.status };
      },
    );

  beforeEach(async () => {
    issuer = await TestIssuer.start(['RS256', 'ES256']);
    warnings = [];
  });
  afterEach(async () => {
    for (const gh of made.splice(0)) gh.close();
    await issuer.close();
  });

  it('a JWKS key with e = 1 is refused: its forged tokens get 401 invalid_token, the good keys keep working', async () => {
    issuer.extraJwks.push({ kty: 'RSA', n: modulus(), e: 'AQ', kid: 'e-one', use: 'sig', alg: 'RS256' });
    const gh = make();
    const forged = forgeForExponentOne({ alg: 'RS256', typ: 'at+jwt', kid: 'e-one' }, issuer.claims());
    assert.deepEqual(await codeOf(gh.verify(forged)), { code: 'ERR_TOKEN_WEAK_KEY', status: 401 });
    assert.deepEqual(await codeOf(gh.verify(await issuer.sign())), { code: 'OK', status: 200 });
    assert.deepEqual(await codeOf(gh.verify(await issuer.sign({}, { alg: 'ES256' }))), {
      code: 'OK',
      status: 200,
    });
    assert.equal(gh.ready, true);
    const refused = warnings.filter((w) => /refused/.test(w.msg));
    assert.equal(refused.length, 1);
    assert.match(refused[0]!.msg, /key "e-one" refused.*RSA public exponent 1 is under 3/);
  });

  it('even, tiny and oversized exponents are refused too; 3 and 65537 are accepted', async () => {
    const cases: [string, bigint][] = [
      ['e-zero', 0n],
      ['e-two', 2n],
      ['e-even', 65536n],
      ['e-huge', (1n << 256n) + 1n],
      ['e-three', 3n],
      ['e-f4', 65537n],
    ];
    for (const [kid, e] of cases) {
      issuer.extraJwks.push({ kty: 'RSA', n: modulus(), e: base64urlUInt(e), kid, use: 'sig' });
    }
    const gh = make();
    // No private key exists for these moduli: only whether the key is usable is in question.
    const probe = (kid: string) => forgeForExponentOne({ alg: 'RS256', typ: 'at+jwt', kid }, issuer.claims());
    for (const kid of ['e-zero', 'e-two', 'e-even', 'e-huge']) {
      assert.deepEqual(await codeOf(gh.verify(probe(kid))), { code: 'ERR_TOKEN_WEAK_KEY', status: 401 }, kid);
    }
    for (const kid of ['e-three', 'e-f4']) {
      assert.deepEqual(
        await codeOf(gh.verify(probe(kid))),
        { code: 'ERR_TOKEN_SIGNATURE', status: 401 },
        kid,
      );
    }
    assert.deepEqual(await codeOf(gh.verify(await issuer.sign())), { code: 'OK', status: 200 });
    const reasons = warnings.map((w) => w.msg).join('\n');
    assert.match(reasons, /key "e-two" refused.*exponent 2 is under 3/);
    assert.match(reasons, /key "e-even" refused.*exponent 65536 is even/);
    assert.match(reasons, /key "e-huge" refused.*exponent of 257 bits is over the 256-bit maximum/);
    assert.doesNotMatch(reasons, /e-three|e-f4/);
  });

  it('a set of only weak keys still loads: their tokens get 401, never 503', async () => {
    issuer.keys = [];
    issuer.extraJwks.push({ kty: 'RSA', n: modulus(), e: 'AQ', kid: 'only-e-one', use: 'sig' });
    const gh = make();
    const forged = forgeForExponentOne({ alg: 'RS256', typ: 'at+jwt', kid: 'only-e-one' }, issuer.claims());
    assert.deepEqual(await codeOf(gh.verify(forged)), { code: 'ERR_TOKEN_WEAK_KEY', status: 401 });
  });

  it('the dropped key is logged with its kid escaped, so a hostile kid cannot forge log lines', async () => {
    const kid = 'x"\n2026-01-01 INFO forged line\u2028';
    issuer.extraJwks.push({ kty: 'RSA', n: modulus(), e: 'AQ', kid, use: 'sig' });
    const gh = make();
    await gh.verify(await issuer.sign());
    const line = warnings.find((w) => /refused/.test(w.msg))!.msg;
    assert.ok(!/[\n\r\u2028\u2029]/.test(line), line);
    assert.ok(line.includes('key "x\\"\\n2026-01-01 INFO forged line\\u2028" refused'), line);
  });

  it('the signature check itself refuses an e = 1 key (defence in depth, whatever loaded it)', () => {
    const key = createPublicKey({ key: { kty: 'RSA', n: modulus(), e: 'AQ' }, format: 'jwk' });
    assert.equal(keyFits('RS256', key), false);
    const forged = forgeForExponentOne({ alg: 'RS256' }, { sub: 'x' });
    const dot = forged.lastIndexOf('.');
    const input = Buffer.from(forged.slice(0, dot));
    assert.equal(
      verifySignature('RS256', key, input, Buffer.from(forged.slice(dot + 1), 'base64url')),
      false,
    );
  });
});
