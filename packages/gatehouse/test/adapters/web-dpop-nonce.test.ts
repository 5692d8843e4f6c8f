/**
 * The Web adapter hands out a fresh DPoP nonce (RFC 9449 §8.2) through the handler's `Response`,
 * whatever kind it is, and through `authenticate`'s `headers` for handlers that build their own.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TestIssuer } from 'gatehouse-test-support/issuer';
import { authenticate, protect } from '../../src/adapters/web.ts';
import { createGatehouse, type Gatehouse, requireScopes } from '../../src/index.ts';
import { type DpopKey, makeDpopKey, makeProof } from '../helpers/dpop.ts';

const LIFETIME = 60;
const URL_READ = 'https://api.example.com/read';

describe('Web adapter: a fresh DPoP-Nonce on answers to proofs with the previous slot nonce', () => {
  let issuer: TestIssuer;
  let gatehouse: Gatehouse;
  let client: DpopKey;
  let bound: string;
  let clock = Date.now();

  async function dpopRequest(nonce: string | undefined): Promise<Request> {
    const proof = await makeProof(client, {
      method: 'GET',
      url: URL_READ,
      token: bound,
      claims: { nonce, iat: Math.floor(clock / 1000) },
    });
    return new Request(URL_READ, { headers: { authorization: `DPoP ${bound}`, dpop: proof } });
  }

  /** The previous slot's nonce and the current one, as the 401s hand them out. */
  async function staleAndCurrent(): Promise<{ stale: string; current: string }> {
    const learn = async () => {
      const result = await authenticate(gatehouse, await dpopRequest(undefined));
      assert.equal(result.response?.status, 401);
      return result.response?.headers.get('dpop-nonce') ?? '';
    };
    const stale = await learn();
    clock += LIFETIME * 1000;
    return { stale, current: await learn() };
  }

  before(async () => {
    issuer = await TestIssuer.start(['RS256']);
    client = await makeDpopKey('ES256');
    gatehouse = createGatehouse({
      issuer: issuer.url,
      audience: issuer.audience,
      clock: () => clock,
      dpop: { nonce: { secret: 'test nonce secret, thirty-two characters or more', lifetime: LIFETIME } },
    });
    gatehouse.start();
    bound = await issuer.sign({ cnf: { jkt: client.jkt } });
  });
  after(async () => {
    gatehouse?.close();
    await issuer?.close();
  });

  it('protect adds it to a Response whose headers are immutable (Response.redirect), keeping the rest', async () => {
    const { stale, current } = await staleAndCurrent();
    const handler = protect(gatehouse, { require: [requireScopes(['ToDoList.Read'])] }, () =>
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
    const { stale, current } = await staleAndCurrent();
    const result = await authenticate(gatehouse, await dpopRequest(stale));
    assert.equal(result.response, undefined);
    assert.deepEqual(result.headers, { 'dpop-nonce': current });
    const fresh = await authenticate(gatehouse, await dpopRequest(current));
    assert.equal(fresh.response, undefined);
    assert.equal(fresh.headers, undefined);
  });
});
