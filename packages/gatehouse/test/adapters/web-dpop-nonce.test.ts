/**
 * The Web adapter hands out a fresh DPoP nonce (RFC 9449 §8.2) through the handler's `Response`,
 * whatever kind it is, and through `authenticate`'s `headers` for handlers that build their own.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { authenticate, protect } from '../../src/adapters/web.ts';
import { requireScopes } from '../../src/index.ts';
import { type NonceFixture, staleAndCurrent, startNonceFixture } from '../helpers/nonce-fixture.ts';

const URL_READ = 'https://api.example.com/read';

describe('Web adapter: a fresh DPoP-Nonce on answers to proofs with the previous slot nonce', () => {
  let fixture: NonceFixture;

  async function dpopRequest(nonce: string | undefined): Promise<Request> {
    const proof = await fixture.proof(URL_READ, nonce);
    return new Request(URL_READ, { headers: { authorization: `DPoP ${fixture.bound}`, dpop: proof } });
  }

  /** The nonce of the current slot, as the 401 hands it out. */
  async function currentNonce(): Promise<string> {
    const result = await authenticate(fixture.gatehouse, await dpopRequest(undefined));
    assert.equal(result.response?.status, 401);
    return result.response?.headers.get('dpop-nonce') ?? '';
  }

  before(async () => {
    fixture = await startNonceFixture();
  });
  after(async () => {
    await fixture?.close();
  });

  it('protect adds it to a Response whose headers are immutable (Response.redirect), keeping the rest', async () => {
    const { stale, current } = await staleAndCurrent(fixture, currentNonce);
    const handler = protect(fixture.gatehouse, { require: [requireScopes(['ToDoList.Read'])] }, () =>
      Response.redirect('https://api.example.com/elsewhere', 303),
    );
    const reply = await handler(await dpopRequest(stale));
    assert.equal(reply.status, 303);
    assert.equal(reply.headers.get('location'), 'https://api.example.com/elsewhere');
    assert.equal(reply.headers.get('dpop-nonce'), current);
    const next = await handler(await dpopRequest(current));
    assert.equal(next.status, 303);
    assert.equal(next.headers.get('dpop-nonce'), null);
  });

  it("authenticate returns it in headers for the handler's own answer; none for a current nonce", async () => {
    const { stale, current } = await staleAndCurrent(fixture, currentNonce);
    const result = await authenticate(fixture.gatehouse, await dpopRequest(stale));
    assert.equal(result.response, undefined);
    assert.deepEqual(result.headers, { 'dpop-nonce': current });
    const fresh = await authenticate(fixture.gatehouse, await dpopRequest(current));
    assert.equal(fresh.response, undefined);
    assert.equal(fresh.headers, undefined);
  });
});
