import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TestIssuer } from 'gatehouse-test-support/issuer';
import { createGatehouse, explain, type Gatehouse, GatehouseError } from '../../src/index.ts';
import { okta } from '../../src/providers/index.ts';

/** explain's named check and verify's verdict for one token. */
async function bothJudge(
  gh: Gatehouse,
  token: string,
  check: string,
): Promise<{ explained: boolean; verified: boolean; code: string | undefined }> {
  const result = await explain(gh, token);
  const named = result.checks.find((c) => c.name === check);
  assert.ok(named, `explain has a ${check} check`);
  const code = await gh.verify(token).then(
    () => undefined,
    (e: unknown) => (e instanceof GatehouseError ? e.code : String(e)),
  );
  return { explained: named.ok, verified: code === undefined, code };
}

describe('explain judges each rule with the very predicate verify uses', () => {
  let issuer: TestIssuer;
  before(async () => {
    issuer = await TestIssuer.start(['RS256']);
  });
  after(() => issuer.close());

  it('strict token type: a typ JWT fails explain’s type check exactly as verify refuses it', async (t) => {
    const strict = createGatehouse({
      issuer: issuer.url,
      audience: issuer.audience,
      tokenType: { strict: true },
    });
    const lenient = createGatehouse({ issuer: issuer.url, audience: issuer.audience });
    t.after(() => {
      strict.close();
      lenient.close();
    });
    const typJwt = await issuer.sign({}, { header: { typ: 'JWT' } });
    const noTyp = await issuer.sign({}, { header: { typ: undefined } });
    const atJwt = await issuer.sign();

    assert.deepEqual(await bothJudge(strict, typJwt, 'type'), {
      explained: false,
      verified: false,
      code: 'ERR_TOKEN_TYPE',
    });
    assert.deepEqual(await bothJudge(strict, noTyp, 'type'), {
      explained: false,
      verified: false,
      code: 'ERR_TOKEN_TYPE',
    });
    assert.deepEqual(await bothJudge(strict, atJwt, 'type'), {
      explained: true,
      verified: true,
      code: undefined,
    });
    assert.deepEqual(await bothJudge(lenient, typJwt, 'type'), {
      explained: true,
      verified: true,
      code: undefined,
    });
  });

  it('a preset’s subject claim (Okta’s uid): explain’s subject check reads it as verify does', async (t) => {
    const iss = `${issuer.url}/oauth2/default`;
    issuer.publish('/oauth2/default/.well-known/openid-configuration', iss);
    const gh = createGatehouse(okta({ issuer: iss, audience: issuer.audience }));
    t.after(() => gh.close());
    const base = { iss, cid: '0oa1', scp: ['todo.read'] };

    // Only uid names the user: Okta's mapping finds a subject where oid/sub would find none.
    const uidOnly = await issuer.sign({ ...base, uid: '00u1' }, { omit: ['oid', 'sub'] });
    assert.deepEqual(await bothJudge(gh, uidOnly, 'subject'), {
      explained: true,
      verified: true,
      code: undefined,
    });

    // An empty sub is no subject, whatever explain's old oid/sub reading said.
    const emptySub = await issuer.sign({ ...base, sub: '' }, { omit: ['oid'] });
    assert.deepEqual(await bothJudge(gh, emptySub, 'subject'), {
      explained: false,
      verified: false,
      code: 'ERR_TOKEN_CLAIM',
    });
  });

  it('an audience under another claim (client_id): explain and verify read the same claim', async (t) => {
    const gh = createGatehouse({ issuer: issuer.url, audience: 'app-1', audienceClaim: 'client_id' });
    t.after(() => gh.close());
    const right = await issuer.sign({ client_id: 'app-1', aud: 'someone-else' });
    const wrong = await issuer.sign({ client_id: 'app-2', aud: 'app-1' });
    assert.deepEqual(await bothJudge(gh, right, 'audience'), {
      explained: true,
      verified: true,
      code: undefined,
    });
    assert.deepEqual(await bothJudge(gh, wrong, 'audience'), {
      explained: false,
      verified: false,
      code: 'ERR_TOKEN_AUDIENCE',
    });
  });

  it('times: an exp beyond any date fails explain’s expiry check, as verify refuses it', async (t) => {
    const gh = createGatehouse({ issuer: issuer.url, audience: issuer.audience });
    t.after(() => gh.close());
    assert.deepEqual(await bothJudge(gh, await issuer.sign({ exp: 1e308 }), 'expiry'), {
      explained: false,
      verified: false,
      code: 'ERR_TOKEN_CLAIM',
    });
    const now = Math.floor(Date.now() / 1000);
    assert.deepEqual(await bothJudge(gh, await issuer.sign({ nbf: now + 3600 }), 'not before'), {
      explained: false,
      verified: false,
      code: 'ERR_TOKEN_NOT_YET_VALID',
    });
  });

  it('a sender-constrained token is judged as a token: valid, though verify alone refuses it', async (t) => {
    const gh = createGatehouse({ issuer: issuer.url, audience: issuer.audience });
    t.after(() => gh.close());
    const jkt = 'N8T4bV5HMeHV0y4oEEpGgy_OVg8ii7ve8lNkMKyWxqc';
    const bound = await issuer.sign({ cnf: { jkt } });
    const result = await explain(gh, bound);
    assert.equal(result.valid, true, JSON.stringify(result.checks));
    assert.equal(result.code, undefined);
    assert.equal(result.checks.find((c) => c.name === 'verification')?.ok, true);
    // verify has no request to check the binding with: its default refuses the token.
    assert.equal(
      await gh.verify(bound).then(
        () => 'accepted',
        (e: unknown) => (e instanceof GatehouseError ? e.code : String(e)),
      ),
      'ERR_DPOP_BOUND_TOKEN_AS_BEARER',
    );
  });
});
