/**
 * `verify(token)` has no request, so it can check neither a DPoP proof (RFC 9449 §7) nor a client
 * certificate (RFC 8705 §3): a bound token is refused unless the caller says it checks the binding.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { after, before, describe, it } from 'node:test';
import { TestIssuer } from 'gatehouse-test-support/issuer';
import {
  createGatehouse,
  DIAGNOSTICS_CHANNELS,
  type Gatehouse,
  GatehouseError,
  type VerifyEvent,
} from '../../src/index.ts';
import { makeDpopKey, makeProof } from '../helpers/dpop.ts';

const CALLER_CHECKS = { senderConstrained: 'caller-checks' } as const;
/** A certificate thumbprint as an issuer writes it: base64url SHA-256. */
const X5T = createHash('sha256').update('a client certificate').digest('base64url');

async function outcome(promise: Promise<unknown>): Promise<{ code: string; status?: number }> {
  return promise.then(
    () => ({ code: 'OK' }),
    (error: unknown) =>
      error instanceof GatehouseError ? { code: error.code, status: error.status } : { code: String(error) },
  );
}

describe('verify(token) and sender-constrained tokens', () => {
  let issuer: TestIssuer;
  let gh: Gatehouse;
  let jkt: string;
  before(async () => {
    issuer = await TestIssuer.start(['RS256']);
    gh = createGatehouse({ issuer: issuer.url, audience: issuer.audience });
    jkt = (await makeDpopKey('ES256')).jkt;
  });
  after(async () => {
    gh?.close();
    await issuer?.close();
  });

  it('refuses a DPoP-bound token by default, as a bound token sent without its proof', async () => {
    const token = await issuer.sign({ cnf: { jkt } });
    assert.deepEqual(await outcome(gh.verify(token)), {
      code: 'ERR_DPOP_BOUND_TOKEN_AS_BEARER',
      status: 401,
    });
    assert.deepEqual(await outcome(gh.verify(token, {})), {
      code: 'ERR_DPOP_BOUND_TOKEN_AS_BEARER',
      status: 401,
    });
    assert.deepEqual(await outcome(gh.verify(token, { senderConstrained: 'refuse' })), {
      code: 'ERR_DPOP_BOUND_TOKEN_AS_BEARER',
      status: 401,
    });
  });

  it('refuses a certificate-bound token by default, as one sent without its certificate', async () => {
    const token = await issuer.sign({ cnf: { 'x5t#S256': X5T } });
    assert.deepEqual(await outcome(gh.verify(token)), { code: 'ERR_MTLS_BINDING', status: 401 });
    // Bound both ways: refused for the DPoP binding, checked first as on the request path.
    const both = await issuer.sign({ cnf: { jkt, 'x5t#S256': X5T } });
    assert.deepEqual(await outcome(gh.verify(both)), { code: 'ERR_DPOP_BOUND_TOKEN_AS_BEARER', status: 401 });
  });

  it("returns a bound token's principal, cnf included, when the caller checks the binding", async () => {
    const dpop = await gh.verify(await issuer.sign({ jti: 'dpop-client', cnf: { jkt } }), CALLER_CHECKS);
    assert.equal(dpop.claims.jti, 'dpop-client');
    assert.deepEqual(dpop.claims.cnf, { jkt });
    const mtls = await gh.verify(
      await issuer.sign({ jti: 'mtls-client', cnf: { 'x5t#S256': X5T } }),
      CALLER_CHECKS,
    );
    assert.equal(mtls.claims.jti, 'mtls-client');
    assert.deepEqual(mtls.claims.cnf, { 'x5t#S256': X5T });
  });

  it('leaves unbound tokens as they were, with or without the option; a bad token stays refused', async () => {
    const token = await issuer.sign({ jti: 'plain' });
    assert.equal((await gh.verify(token)).claims.jti, 'plain');
    assert.equal((await gh.verify(token, CALLER_CHECKS)).claims.jti, 'plain');
    const wrongAudience = await issuer.sign({ aud: 'api://other', cnf: { jkt } });
    assert.equal((await outcome(gh.verify(wrongAudience, CALLER_CHECKS))).code, 'ERR_TOKEN_AUDIENCE');
  });

  it('an unknown option value fails closed (JavaScript callers have no type check)', async () => {
    const token = await issuer.sign({ cnf: { jkt } });
    const loose = { senderConstrained: 'skip' } as unknown as { senderConstrained: 'refuse' };
    assert.equal((await outcome(gh.verify(token, loose))).code, 'ERR_DPOP_BOUND_TOKEN_AS_BEARER');
  });

  /** Verified twice with the opt-in: the cache admits a token the second time it is verified. */
  async function cacheWithOptIn(token: string): Promise<void> {
    await gh.verify(token, CALLER_CHECKS);
    await gh.verify(token, CALLER_CHECKS);
  }

  it('the verified-token cache never lets a bound token through verify afterwards', async () => {
    for (const [cnf, code] of [
      [{ jkt }, 'ERR_DPOP_BOUND_TOKEN_AS_BEARER'],
      [{ 'x5t#S256': X5T }, 'ERR_MTLS_BINDING'],
    ] as const) {
      const token = await issuer.sign({ cnf });
      await cacheWithOptIn(token);
      const hits = gh.cacheStats()?.hits ?? 0;
      assert.deepEqual((await gh.verify(token, CALLER_CHECKS)).claims.cnf, cnf);
      assert.deepEqual(await outcome(gh.verify(token)), { code, status: 401 });
      assert.deepEqual(await outcome(gh.verify(token)), { code, status: 401 });
      assert.equal(
        gh.cacheStats()?.hits,
        hits + 3,
        'every call after the warm-up was answered from the cache',
      );
    }
  });

  it('a token cached by accepted DPoP requests is still refused by verify', async () => {
    const dpopGh = createGatehouse({
      issuer: issuer.url,
      audience: issuer.audience,
      dpop: { mode: 'allowed' },
    });
    try {
      const key = await makeDpopKey('ES256');
      const token = await issuer.sign({ jti: 'via-request', cnf: { jkt: key.jkt } });
      const url = 'http://api.example.com/items';
      const request = async () => ({
        method: 'GET',
        url: '/items',
        headers: {
          authorization: `DPoP ${token}`,
          dpop: await makeProof(key, { method: 'GET', url, token }),
          host: 'api.example.com',
        },
      });
      for (let i = 0; i < 2; i++)
        assert.equal((await dpopGh.authenticate(await request()))?.claims.jti, 'via-request');
      const hits = dpopGh.cacheStats()?.hits ?? 0;
      assert.equal((await outcome(dpopGh.verify(token))).code, 'ERR_DPOP_BOUND_TOKEN_AS_BEARER');
      assert.equal(dpopGh.cacheStats()?.hits, hits + 1, 'verify found the token in the cache and refused it');
    } finally {
      dpopGh.close();
    }
  });

  it('a refusal is published on the verify channel like any other', async () => {
    const events: VerifyEvent[] = [];
    const onVerify = (event: unknown) => events.push(event as VerifyEvent);
    subscribe(DIAGNOSTICS_CHANNELS.verify, onVerify);
    try {
      await outcome(gh.verify(await issuer.sign({ cnf: { jkt } })));
      await gh.verify(await issuer.sign({ cnf: { jkt } }), CALLER_CHECKS);
    } finally {
      unsubscribe(DIAGNOSTICS_CHANNELS.verify, onVerify);
    }
    assert.deepEqual(
      events.map((e) => [e.outcome, e.code]),
      [
        ['refused', 'ERR_DPOP_BOUND_TOKEN_AS_BEARER'],
        ['accepted', undefined],
      ],
    );
  });
});
