import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { makeKey, TestIssuer } from 'gatehouse-test-support/issuer';
import { exportJWK } from 'jose';
import { createGatehouse, type Gatehouse, GatehouseError } from '../../src/index.ts';
import { b64url, decodeSegment, unsigned, withSegment } from '../helpers/tokens.ts';

async function rejects(gh: Gatehouse, token: string, code: string, detail?: RegExp): Promise<GatehouseError> {
  const error = await gh.verify(token).then(
    () => assert.fail(`token was accepted; expected ${code}`),
    (e: unknown) => e,
  );
  assert.ok(error instanceof GatehouseError, `expected a GatehouseError, got ${String(error)}`);
  assert.equal(error.code, code, error.detail);
  if (detail) assert.match(error.detail, detail);
  assert.ok(!error.description.includes('http'), 'client-facing description leaks no URL');
  return error;
}

describe('verify: a token is accepted only when every rule holds', () => {
  let issuer: TestIssuer;
  let gh: Gatehouse;
  before(async () => {
    issuer = await TestIssuer.start(['RS256', 'ES256', 'EdDSA', 'PS256']);
    gh = createGatehouse({ issuer: issuer.url, audience: issuer.audience });
  });
  after(async () => {
    gh.close();
    await issuer.close();
  });

  for (const alg of ['RS256', 'ES256', 'EdDSA', 'PS256'] as const) {
    it(`accepts a valid ${alg} token and builds the principal`, async () => {
      const p = await gh.verify(await issuer.sign({}, { alg }));
      assert.equal(p.subject, '00000000-0000-0000-0000-0000000000a1', 'oid is preferred over sub');
      assert.equal(p.tenant, '00000000-0000-0000-0000-00000000000t');
      assert.equal(p.clientId, 'client-1');
      assert.deepEqual(p.scopes, ['ToDoList.Read', 'ToDoList.ReadWrite']);
      assert.equal(p.isApp, false);
      assert.equal(p.issuer, issuer.url);
    });
  }

  it('accepts typ JWT, at+jwt, application/at+jwt and no typ', async () => {
    for (const typ of ['JWT', 'at+jwt', 'application/at+jwt', undefined]) {
      await gh.verify(await issuer.sign({}, { header: { typ } }));
    }
  });

  it('refuses other typ values such as an ID token type', async () => {
    await rejects(gh, await issuer.sign({}, { header: { typ: 'id+jwt' } }), 'ERR_TOKEN_TYPE');
  });

  it('in strict mode requires typ at+jwt (RFC 9068)', async () => {
    const strict = createGatehouse({
      issuer: issuer.url,
      audience: issuer.audience,
      tokenType: { strict: true },
    });
    await strict.verify(await issuer.sign());
    await rejects(strict, await issuer.sign({}, { header: { typ: 'JWT' } }), 'ERR_TOKEN_TYPE');
  });

  it('refuses an expired token and says by how long', async () => {
    const now = Math.floor(Date.now() / 1000);
    await rejects(
      gh,
      await issuer.sign({ exp: now - 600, iat: now - 4000, nbf: now - 4000 }),
      'ERR_TOKEN_EXPIRED',
      /expired 6\d\d s ago/,
    );
  });

  it('allows 60 s of clock skew by default on exp and nbf, not more', async () => {
    const now = Math.floor(Date.now() / 1000);
    await gh.verify(await issuer.sign({ exp: now - 30 }));
    await gh.verify(await issuer.sign({ nbf: now + 30 }));
    await rejects(
      gh,
      await issuer.sign({ nbf: now + 300 }),
      'ERR_TOKEN_NOT_YET_VALID',
      /not valid for another/,
    );
    await rejects(gh, await issuer.sign({ exp: now - 90 }), 'ERR_TOKEN_EXPIRED');
  });

  it('honours an injected clock and a configured tolerance', async () => {
    const later = createGatehouse({
      issuer: issuer.url,
      audience: issuer.audience,
      clockTolerance: 0,
      clock: () => Date.now() + 2 * 3600_000,
    });
    await rejects(later, await issuer.sign(), 'ERR_TOKEN_EXPIRED');
  });

  it('requires exp', async () => {
    await rejects(gh, await issuer.sign({}, { omit: ['exp'] }), 'ERR_TOKEN_CLAIM', /exp/);
  });

  it('refuses another issuer and names both', async () => {
    const e = await rejects(
      gh,
      await issuer.sign({ iss: 'https://evil.example' }),
      'ERR_TOKEN_ISSUER',
      /evil\.example.*not the trusted issuer/,
    );
    assert.equal(e.claim, 'iss');
  });

  it('explains an issuer that differs only by a trailing slash', async () => {
    await rejects(gh, await issuer.sign({ iss: `${issuer.url}/` }), 'ERR_TOKEN_ISSUER', /trailing slash/);
  });

  it('refuses another audience, and recognises a Microsoft Graph token', async () => {
    await rejects(
      gh,
      await issuer.sign({ aud: 'api://other' }),
      'ERR_TOKEN_AUDIENCE',
      /api:\/\/other.*api:\/\/test/,
    );
    await rejects(
      gh,
      await issuer.sign({ aud: '00000003-0000-0000-c000-000000000000' }),
      'ERR_TOKEN_AUDIENCE',
      /Microsoft Graph/,
    );
  });

  it('accepts any one of several configured audiences, and an aud array containing one', async () => {
    const multi = createGatehouse({ issuer: issuer.url, audience: ['api://a', issuer.audience] });
    await multi.verify(await issuer.sign());
    await multi.verify(await issuer.sign({ aud: ['https://x/userinfo', 'api://a'] }));
    await rejects(multi, await issuer.sign({ aud: ['api://b'] }), 'ERR_TOKEN_AUDIENCE');
  });

  it('refuses a token without subject', async () => {
    await rejects(
      gh,
      await issuer.sign({}, { omit: ['oid', 'sub'] }),
      'ERR_TOKEN_CLAIM',
      /neither "oid" nor "sub"/,
    );
  });

  it('refuses alg none, with or without a signature', async () => {
    const payload = issuer.claims();
    await rejects(gh, unsigned({ alg: 'none', typ: 'JWT' }, payload), 'ERR_TOKEN_MALFORMED'); // empty signature
    await rejects(
      gh,
      unsigned({ alg: 'none', kid: issuer.key().kid }, payload, 'AAAA'),
      'ERR_TOKEN_ALGORITHM',
    );
    await rejects(gh, unsigned({ alg: 'NONE' }, payload, 'AA'), 'ERR_TOKEN_ALGORITHM');
  });

  it('refuses HS256 signed with the public key as the HMAC secret (algorithm confusion)', async () => {
    const key = issuer.key('RS256');
    for (const secret of [JSON.stringify(key.publicJwk), key.publicJwk.n!]) {
      const signingInput = `${b64url({ alg: 'HS256', kid: key.kid })}.${b64url(issuer.claims())}`;
      const sig = createHmac('sha256', secret).update(signingInput).digest('base64url');
      await rejects(gh, `${signingInput}.${sig}`, 'ERR_TOKEN_ALGORITHM');
    }
  });

  it('refuses a token whose alg does not fit the key named by kid (ES256 header on an RSA kid)', async () => {
    const attacker = await makeKey('ES256');
    await rejects(
      gh,
      await issuer.sign({}, { key: attacker, kid: issuer.key('RS256').kid }),
      'ERR_TOKEN_UNKNOWN_KEY',
    );
  });

  it('never takes a key from the token header: jwk, jku, x5u, x5c are ignored', async () => {
    const attacker = await makeKey('RS256', issuer.key('RS256').kid);
    const attackerJwk = attacker.publicJwk;
    const cases: Record<string, unknown>[] = [
      { jwk: attackerJwk },
      { jku: 'http://127.0.0.1:1/jwks' },
      { x5u: 'http://127.0.0.1:1/cert.pem' },
      { x5c: ['MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA'] },
    ];
    for (const header of cases) {
      await rejects(gh, await issuer.sign({}, { key: attacker, header }), 'ERR_TOKEN_SIGNATURE');
    }
  });

  it('refuses a kid that names a real key when the token is signed by an attacker key (kid spoofing)', async () => {
    const attacker = await makeKey('ES256', issuer.key('ES256').kid);
    await rejects(gh, await issuer.sign({}, { key: attacker }), 'ERR_TOKEN_SIGNATURE');
  });

  it('refuses a tampered payload and a tampered signature', async () => {
    const token = await issuer.sign();
    const claims = decodeSegment(token, 1);
    await rejects(gh, withSegment(token, 1, b64url({ ...claims, scp: 'admin' })), 'ERR_TOKEN_SIGNATURE');
    await rejects(
      gh,
      withSegment(token, 2, `${token.split('.')[2]!.slice(0, -4)}AAAA`),
      'ERR_TOKEN_SIGNATURE',
    );
    await rejects(gh, withSegment(token, 2, ''), 'ERR_TOKEN_MALFORMED');
  });

  it('refuses malformed tokens as invalid tokens, never as crashes', async () => {
    for (const bad of [
      'a.b.c',
      'eyJ.eyJ.sig',
      `${b64url('[1]')}.${b64url({})}.x`,
      `${b64url({ alg: 'RS256' })}.bm90IGpzb24.x`,
    ]) {
      const error = await gh.verify(bad).catch((e: unknown) => e);
      assert.ok(error instanceof GatehouseError && error.status === 401, `${bad}: ${String(error)}`);
    }
  });

  it('accepts only the canonical spelling of a signature whatever its length modulo 4 (spare bits zero)', async () => {
    const token = await issuer.sign();
    const [h, p] = token.split('.') as [string, string];
    // 683 characters end with 2 spare bits (RSA 4096), 342 with 4 (RSA 2048), 684 with none and 685 encode no byte count.
    const cases: [string, string][] = [
      ['A'.repeat(682) + 'F', 'ERR_TOKEN_MALFORMED'],
      ['A'.repeat(682) + 'B', 'ERR_TOKEN_MALFORMED'],
      ['A'.repeat(341) + 'Q', 'ERR_TOKEN_SIGNATURE'],
      ['A'.repeat(341) + 'R', 'ERR_TOKEN_MALFORMED'],
      ['A'.repeat(682) + 'I', 'ERR_TOKEN_SIGNATURE'],
      ['A'.repeat(683) + '_', 'ERR_TOKEN_SIGNATURE'],
      ['A'.repeat(685), 'ERR_TOKEN_MALFORMED'],
    ];
    for (const [signature, code] of cases) await rejects(gh, `${h}.${p}.${signature}`, code);
  });

  it('refuses a token with an unknown crit header', async () => {
    const token = unsigned(
      { alg: 'RS256', kid: issuer.key().kid, crit: ['x'], x: 1 },
      issuer.claims(),
      'AAAA',
    );
    await rejects(gh, token, 'ERR_TOKEN_MALFORMED');
  });

  it('refuses algorithms left out of the configured list', async () => {
    const rsOnly = createGatehouse({ issuer: issuer.url, audience: issuer.audience, algorithms: ['RS256'] });
    await rsOnly.verify(await issuer.sign());
    await rejects(rsOnly, await issuer.sign({}, { alg: 'ES256' }), 'ERR_TOKEN_ALGORITHM');
  });

  it('exports JWKs without private members', async () => {
    const jwk = await exportJWK(issuer.key('RS256').privateKey);
    assert.ok(jwk.d, 'the test key is private');
  });
});
