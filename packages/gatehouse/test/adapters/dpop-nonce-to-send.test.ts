/**
 * A custom integration (a plain node:http handler that calls `gatehouse.authenticate` itself, no
 * adapter) hands out fresh DPoP nonces (RFC 9449 §8.2) with the public `dpopNonceToSend`, as the
 * adapters do: a proof with the previous slot's nonce passes and its answer carries the current one.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, describe, it } from 'node:test';
import * as root from '../../src/index.ts';
import { dpopNonceToSend, errorResponse } from '../../src/index.ts';
import {
  NONCE_SHAPE,
  type NonceFixture,
  staleAndCurrent,
  startNonceFixture,
} from '../helpers/nonce-fixture.ts';
import { header, listen, type Reply, type RunningServer, send } from './http-client.ts';

describe('dpopNonceToSend: fresh DPoP nonces for code that calls authenticate itself', () => {
  let fixture: NonceFixture;
  let server: RunningServer;
  /** What dpopNonceToSend said for the last request the handler saw. */
  let lastAnswer: string | undefined | 'not called';

  async function dpopGet(nonce: string | undefined): Promise<Reply> {
    const proof = await fixture.proof(`${server.url}/read`, nonce);
    return send(server.url, '/read', { headers: { authorization: `DPoP ${fixture.bound}`, dpop: proof } });
  }

  async function currentNonce(): Promise<string> {
    const reply = await dpopGet(undefined);
    assert.equal(reply.status, 401, reply.text);
    const nonce = header(reply, 'dpop-nonce');
    assert.match(nonce ?? '', NONCE_SHAPE);
    return nonce as string;
  }

  before(async () => {
    fixture = await startNonceFixture();
    const { gatehouse } = fixture;
    // The integration as a user writes it: authenticate, then copy the nonce onto the answer.
    server = await listen(
      createServer(async (req, res) => {
        lastAnswer = 'not called';
        try {
          const principal = await gatehouse.authenticate(req);
          lastAnswer = dpopNonceToSend(req);
          if (lastAnswer !== undefined) res.setHeader('DPoP-Nonce', lastAnswer);
          res.end(JSON.stringify({ subject: principal?.subject }));
        } catch (error) {
          lastAnswer = dpopNonceToSend(req);
          const answer = errorResponse(error, gatehouse.options);
          res.writeHead(answer.status, answer.headers).end(JSON.stringify(answer.body));
        }
      }),
    );
  });
  after(async () => {
    await server?.close();
    await fixture?.close();
  });

  it('is exported from the package root as a function', () => {
    assert.equal(typeof root.dpopNonceToSend, 'function');
  });

  it("gives the current nonce for a proof with the previous slot's, which passes", async () => {
    const { stale, current } = await staleAndCurrent(fixture, currentNonce);
    assert.notEqual(stale, current);
    const reply = await dpopGet(stale);
    assert.equal(reply.status, 200, reply.text);
    assert.equal(header(reply, 'dpop-nonce'), current);
    assert.equal(lastAnswer, current);
  });

  it('gives nothing for a proof with the current nonce, a Bearer request, or a refused one', async () => {
    const current = await currentNonce();
    const fresh = await dpopGet(current);
    assert.equal(fresh.status, 200, fresh.text);
    assert.equal(header(fresh, 'dpop-nonce'), undefined);
    assert.equal(lastAnswer, undefined);

    const plain = await send(server.url, '/read', {
      headers: { authorization: `Bearer ${await fixture.issuer.sign()}` },
    });
    assert.equal(plain.status, 200, plain.text);
    assert.equal(header(plain, 'dpop-nonce'), undefined);
    assert.equal(lastAnswer, undefined);

    // Refused before it was accepted: the nonce on this 401 is use_dpop_nonce's, not ours.
    await currentNonce();
    assert.equal(lastAnswer, undefined);
  });

  it('works for a request object that takes no new property (frozen), and for one that does', async () => {
    const { stale, current } = await staleAndCurrent(fixture, currentNonce);
    const host = new URL(server.url).host;
    const request = async () => ({
      method: 'GET',
      url: '/read',
      headers: {
        host,
        authorization: `DPoP ${fixture.bound}`,
        dpop: await fixture.proof(`${server.url}/read`, stale),
      },
    });
    const frozen = Object.freeze(await request());
    assert.ok(await fixture.gatehouse.authenticate(frozen));
    assert.equal(dpopNonceToSend(frozen), current);
    const open = await request();
    assert.ok(await fixture.gatehouse.authenticate(open));
    assert.equal(dpopNonceToSend(open), current);
    // Nothing of the gate's shows through the request's own enumerable keys, nor in its JSON.
    assert.deepEqual(Object.keys(open), ['method', 'url', 'headers']);
    assert.deepEqual(Object.keys(JSON.parse(JSON.stringify(open))), ['method', 'url', 'headers']);
  });

  it('gives nothing for an object authenticate never saw', () => {
    assert.equal(dpopNonceToSend({ headers: {} }), undefined);
  });
});
