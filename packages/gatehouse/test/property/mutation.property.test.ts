import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { TestIssuer } from 'gatehouse-test-support/issuer';
import { createGatehouse, type Gatehouse, GatehouseError } from '../../src/index.ts';
import { applyMutations, changeOf, type Mutation, mutationsArb } from './mutations.ts';

const ALGS = ['RS256', 'ES256', 'EdDSA'] as const;

describe('verify: no mutation of a valid token is accepted (property-based)', () => {
  let issuer: TestIssuer;
  let gatehouse: Gatehouse;
  /** Genuine tokens to mutate: per algorithm a user token and an app token. */
  const originals: string[] = [];
  /** Other genuine tokens, whose signatures get transplanted. */
  const donors: string[] = [];
  /** How many generated cases were no-ops, so the properties cannot pass by skipping everything. */
  const tally = { checked: 0, noop: 0, codes: new Map<string, number>() };

  before(async () => {
    issuer = await TestIssuer.start([...ALGS]);
    gatehouse = createGatehouse({ issuer: issuer.url, audience: issuer.audience });
    for (const alg of ALGS) {
      originals.push(await issuer.sign({}, { alg }));
      originals.push(
        await issuer.sign({ roles: ['ToDoList.Read.All'], idtyp: 'app' }, { alg, omit: ['scp'] }),
      );
      donors.push(await issuer.sign({ scp: 'ToDoList.ReadWrite admin' }, { alg }));
      donors.push(await issuer.sign({ aud: 'api://other' }, { alg }));
    }
    for (const token of originals) await gatehouse.verify(token); // every original is valid
  });
  after(async () => {
    gatehouse?.close();
    await issuer?.close();
  });

  async function check(original: string, mutations: readonly Mutation[]): Promise<void> {
    const mutated = applyMutations(original, mutations, donors);
    tally.checked++;
    // Every token has exactly one accepted spelling, so any change of the string must be refused,
    // even one that decodes to the same bytes (padding bits, see below).
    if (mutated === original) {
      tally.noop++;
      return;
    }
    const change = changeOf(original, mutated);
    const outcome = await gatehouse.verify(mutated).then(
      () => undefined,
      (error: unknown) => error,
    );
    if (outcome === undefined)
      assert.fail(`accepted a mutated token (${change}): ${JSON.stringify(mutated)}`);
    assert.ok(outcome instanceof GatehouseError, `a raw exception escaped: ${String(outcome)}`);
    assert.equal(outcome.status, 401, `${outcome.code}: ${outcome.detail}`);
    tally.codes.set(outcome.code, (tally.codes.get(outcome.code) ?? 0) + 1);
    assert.equal(outcome.bearerError, 'invalid_token');
    assert.match(outcome.code, /^ERR_TOKEN_/);
    assert.doesNotMatch(outcome.description, /https?:|127\.0\.0\.1/);
  }

  it('random mutations (chars, bits, segments, dots, header and claims re-encoded, unicode) are refused with 401', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: originals.length * 100 }), mutationsArb, async (which, mutations) => {
        await check(originals[which % originals.length]!, mutations);
      }),
      { numRuns: 500 },
    );
    assert.ok(
      tally.noop < tally.checked * 0.1,
      `too many no-op mutations: ${tally.noop} of ${tally.checked}`,
    );
    // ...nor by failing before the signature check every time.
    const signature = tally.codes.get('ERR_TOKEN_SIGNATURE') ?? 0;
    assert.ok(
      signature > tally.checked * 0.15,
      `only ${signature} of ${tally.checked} reached the signature check`,
    );
  });

  it('header rewrites (alg, kid, typ, crit, jwk, jku, x5u, x5c, b64) keeping the signature are refused with 401', async () => {
    const headerOnly = mutationsArb
      .map((ms) => ms.filter((m) => m.kind === 'header'))
      .filter((ms) => ms.length > 0);
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: originals.length * 100 }), headerOnly, async (which, mutations) => {
        await check(originals[which % originals.length]!, mutations);
      }),
      { numRuns: 300 },
    );
  });

  it('a change of padding bits in the signature decodes to the same bytes, and is still refused', async () => {
    // One spelling per token: caches, replay checks and revocation lists keyed by the string stay sound.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    for (const original of originals) {
      const [h, p, s] = original.split('.') as [string, string, string];
      assert.notEqual(s.length % 4, 0, 'RS256, ES256 and EdDSA signatures end with unused bits');
      // The lowest bit of the last character is never part of a byte when the length is not a multiple of 4.
      const sibling = alphabet[alphabet.indexOf(s.at(-1)!) ^ 1]!;
      const mutated = `${h}.${p}.${s.slice(0, -1)}${sibling}`;
      assert.notEqual(mutated, original);
      assert.equal(changeOf(original, mutated), 'none');
      const error = await gatehouse.verify(mutated).then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(error instanceof GatehouseError && error.code === 'ERR_TOKEN_MALFORMED', String(error));
    }
  });

  it('refuses non-canonical encodings of a genuine signature (whitespace, "=" padding)', async () => {
    const accepted: string[] = [];
    for (const original of originals) {
      const [h, p, s] = original.split('.') as [string, string, string];
      const pad = '='.repeat((4 - (s.length % 4)) % 4);
      const variants = [
        `${s} `,
        `${s.slice(0, 7)} ${s.slice(7)}`,
        `${s}\n`,
        `\t${s}`,
        `${s.slice(0, 3)}\f${s.slice(3)}`,
      ];
      if (pad) variants.push(`${s}${pad}`);
      for (const variant of variants) {
        const token = `${h}.${p}.${variant}`;
        if (
          await gatehouse.verify(token).then(
            () => true,
            () => false,
          )
        )
          accepted.push(token);
      }
    }
    const examples = accepted.slice(0, 3).map((t) => JSON.stringify(`…${t.slice(-8)}`));
    assert.equal(
      accepted.length,
      0,
      `${accepted.length} non-canonical tokens accepted, e.g. ${examples.join(', ')}`,
    );
  });
});
