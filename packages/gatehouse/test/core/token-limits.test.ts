import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { TestIssuer } from 'gatehouse-test-support/issuer';
import type { GatehouseOptions } from '../../src/core/options.ts';
import {
  ConfigurationError,
  createGatehouse,
  explain,
  type Gatehouse,
  GatehouseError,
} from '../../src/index.ts';

const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });
const DAY = 86_400;

function isRefusal(code: string) {
  return (e: unknown) => {
    assert.ok(e instanceof GatehouseError, String(e));
    assert.equal(e.code, code, e.detail);
    assert.equal(e.status, 401);
    assert.equal(e.bearerError, 'invalid_token');
    return true;
  };
}

async function ready(gh: Gatehouse): Promise<void> {
  gh.start();
  while (!gh.ready) await new Promise((resolve) => setTimeout(resolve, 5));
}

describe('token limits: typ, lifetime, absurd times, future iat (sync and async paths)', () => {
  let issuer: TestIssuer;
  let warm: Gatehouse;
  const options = (more: Partial<GatehouseOptions> = {}): GatehouseOptions =>
    ({
      issuer: issuer.url,
      audience: issuer.audience,
      cache: { enabled: false },
      ...more,
    }) as GatehouseOptions;

  before(async () => {
    issuer = await TestIssuer.start(['RS256']);
    warm = createGatehouse(options());
    await ready(warm);
  });
  after(async () => {
    warm.close();
    await issuer.close();
  });

  /** Refused by a cold gatehouse (keys fetched: the async path) and at once by a warm one. */
  async function refusedBothWays(token: string, code: string, more: Partial<GatehouseOptions> = {}) {
    const cold = createGatehouse(options(more));
    try {
      await assert.rejects(cold.authenticate(bearer(token)), isRefusal(code));
    } finally {
      cold.close();
    }
    const hot = Object.keys(more).length === 0 ? warm : createGatehouse(options(more));
    try {
      if (hot !== warm) await ready(hot);
      assert.throws(() => hot.authenticateNow(bearer(token)), isRefusal(code));
    } finally {
      if (hot !== warm) hot.close();
    }
  }

  async function acceptedNow(token: string): Promise<void> {
    const outcome = warm.authenticateNow(bearer(token));
    assert.ok(!(outcome instanceof Promise), 'answered in the same tick');
    assert.ok(outcome !== null);
  }

  test('a typ given as an array (["JWT"]) is refused', async () => {
    await refusedBothWays(await issuer.sign({}, { header: { typ: ['JWT'] } }), 'ERR_TOKEN_TYPE');
    await refusedBothWays(await issuer.sign({}, { header: { typ: { jwt: true } } }), 'ERR_TOKEN_TYPE');
    await acceptedNow(await issuer.sign({}, { header: { typ: 'JWT' } }));
  });

  test('explain fails the type check of a typ given as an array, as verification does', async () => {
    const result = await explain(warm, await issuer.sign({}, { header: { typ: ['JWT'] } }));
    assert.equal(result.checks.find((c) => c.name === 'type')?.ok, false);
    assert.equal(result.code, 'ERR_TOKEN_TYPE');
  });

  test('a token living longer than maxTokenAge (24 h by default) is refused', async () => {
    const now = Math.floor(Date.now() / 1000);
    await refusedBothWays(await issuer.sign({ iat: now, nbf: now, exp: now + DAY + 1 }), 'ERR_TOKEN_CLAIM');
    await refusedBothWays(await issuer.sign({ iat: now - 10, nbf: now - 10, exp: 1e15 }), 'ERR_TOKEN_CLAIM');
    await acceptedNow(await issuer.sign({ iat: now, nbf: now, exp: now + DAY }));
    // Without iat the lifetime is what is left from now, with the clock tolerance (60 s).
    await refusedBothWays(await issuer.sign({ exp: now + DAY + 120 }, { omit: ['iat'] }), 'ERR_TOKEN_CLAIM');
    await acceptedNow(await issuer.sign({ exp: now + DAY }, { omit: ['iat'] }));
    // A stricter bound is honoured too.
    await refusedBothWays(await issuer.sign({ iat: now, exp: now + 3601 }), 'ERR_TOKEN_CLAIM', {
      maxTokenAge: 3600,
    });
  });

  test('maxTokenAge is bounds-checked at creation', () => {
    for (const bad of [0, 59, -1, Number.NaN, Number.POSITIVE_INFINITY, 366 * DAY + 1, '3600']) {
      assert.throws(
        () => createGatehouse(options({ maxTokenAge: bad as number })),
        (e: unknown) => e instanceof ConfigurationError && /maxTokenAge/.test(e.message),
        String(bad),
      );
    }
    const gh = createGatehouse(options({ maxTokenAge: 3600 }));
    assert.equal(gh.options.maxTokenAge, 3600);
    assert.equal(createGatehouse(options()).options.maxTokenAge, DAY);
  });

  test('an absurd exp, nbf or iat (1e308, beyond any date) is refused even with the largest maxTokenAge', async () => {
    const now = Math.floor(Date.now() / 1000);
    const most = { maxTokenAge: 366 * DAY };
    await refusedBothWays(await issuer.sign({ exp: 1e308 }), 'ERR_TOKEN_CLAIM', most);
    await refusedBothWays(await issuer.sign({ exp: -1e308 }), 'ERR_TOKEN_CLAIM', most);
    await refusedBothWays(await issuer.sign({ exp: 2 ** 53 + 2 }), 'ERR_TOKEN_CLAIM', most);
    await refusedBothWays(await issuer.sign({ nbf: -1e308 }), 'ERR_TOKEN_CLAIM', most);
    await refusedBothWays(await issuer.sign({ iat: -1e308, exp: now + 60 }), 'ERR_TOKEN_CLAIM', most);
    await refusedBothWays(await issuer.sign({ iat: 1e20 }), 'ERR_TOKEN_CLAIM', most);
  });

  test('an iat in the future (beyond the clock tolerance) is refused', async () => {
    const now = Math.floor(Date.now() / 1000);
    await refusedBothWays(
      await issuer.sign({ iat: now + 600, nbf: now - 10, exp: now + 3600 }),
      'ERR_TOKEN_NOT_YET_VALID',
    );
    await acceptedNow(await issuer.sign({ iat: now + 30, nbf: now - 10, exp: now + 3600 }));
  });
});

describe('principal.issuerSubject: a subject qualified by its issuer', () => {
  let a: TestIssuer;
  let b: TestIssuer;
  before(async () => {
    a = await TestIssuer.start(['RS256']);
    b = await TestIssuer.start(['RS256']);
  });
  after(async () => {
    await a.close();
    await b.close();
  });

  test('two issuers handing out the same subject give two issuerSubject keys', async () => {
    const gh = createGatehouse({
      issuers: [
        { issuer: a.url, audience: a.audience },
        { issuer: b.url, audience: b.audience },
      ],
    });
    try {
      const same = { sub: 'alice', oid: 'alice' };
      const fromA = await gh.authenticate(bearer(await a.sign(same)));
      const fromB = await gh.authenticate(bearer(await b.sign(same)));
      assert.ok(fromA && fromB);
      assert.equal(fromA.subject, fromB.subject);
      assert.notEqual(fromA.issuerSubject, fromB.issuerSubject);
      assert.deepEqual(JSON.parse(fromA.issuerSubject), [a.url, 'alice']);
      assert.deepEqual(JSON.parse(fromB.issuerSubject), [b.url, 'alice']);
    } finally {
      gh.close();
    }
  });

  test('issuerSubject cannot collide through a separator inside the issuer or the subject', async () => {
    const gh = createGatehouse({ issuer: a.url, audience: a.audience });
    try {
      // Under a plain join these would be `${a.url}|x|y` both ways.
      const one = await gh.authenticate(bearer(await a.sign({ oid: 'x|y' })));
      const two = await gh.authenticate(bearer(await a.sign({ oid: 'y' })));
      assert.ok(one && two);
      assert.notEqual(one.issuerSubject, two.issuerSubject);
      assert.equal(one.issuerSubject, JSON.stringify([a.url, 'x|y']));
    } finally {
      gh.close();
    }
  });
});
