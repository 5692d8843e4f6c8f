/**
 * Server nonces that rotate without a refusal (RFC 9449 §8.2 and §9), over real HTTP and run
 * unchanged against every adapter: a proof carrying the previous slot's nonce passes and its answer
 * hands out the current one; a current nonce adds nothing; Bearer answers never carry one.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ProblemDetails } from '../../src/index.ts';
import {
  NONCE_SHAPE,
  type NonceFixture,
  staleAndCurrent,
  startNonceFixture,
} from '../helpers/nonce-fixture.ts';
import { header, type Reply, type RunningServer, send } from './http-client.ts';
import type { MakeServer } from './servers.ts';

const SUBJECT = '00000000-0000-0000-0000-0000000000a1';

function passed(reply: Reply): void {
  assert.equal(reply.status, 200, reply.text);
  assert.equal((JSON.parse(reply.text) as { subject: string }).subject, SUBJECT);
}

function refusedWith(reply: Reply, status: number, code: string): void {
  assert.equal(reply.status, status, reply.text);
  assert.equal((JSON.parse(reply.text) as ProblemDetails).code, code);
}

export function runDpopNonceBehaviour(name: string, makeServer: MakeServer): void {
  describe(`${name} adapter: DPoP nonces handed out before they expire (RFC 9449 §8.2)`, () => {
    let fixture: NonceFixture;
    let server: RunningServer;
    let bound: string;

    async function dpopGet(path: string, token: string, nonce: string | undefined): Promise<Reply> {
      const proof = await fixture.proof(`${server.url}${path}`, nonce, token);
      return send(server.url, path, { headers: { authorization: `DPoP ${token}`, dpop: proof } });
    }

    /** The nonce of the current slot, learnt the way a new client learns it: from use_dpop_nonce. */
    async function currentNonce(): Promise<string> {
      const reply = await dpopGet('/read', bound, undefined);
      refusedWith(reply, 401, 'ERR_DPOP_NONCE');
      const nonce = header(reply, 'dpop-nonce');
      assert.match(nonce ?? '', NONCE_SHAPE);
      return nonce as string;
    }

    before(async () => {
      fixture = await startNonceFixture();
      server = await makeServer(fixture.gatehouse);
      bound = fixture.bound;
    });
    after(async () => {
      await server?.close();
      await fixture?.close();
    });

    it("the previous slot's nonce passes and the 200 carries the current one; that one passes without a header", async () => {
      const { stale, current } = await staleAndCurrent(fixture, currentNonce);
      assert.notEqual(stale, current);
      const reply = await dpopGet('/read', bound, stale);
      passed(reply);
      assert.equal(header(reply, 'dpop-nonce'), current);
      const next = await dpopGet('/read', bound, header(reply, 'dpop-nonce'));
      passed(next);
      assert.equal(header(next, 'dpop-nonce'), undefined);
    });

    it('a current nonce adds no DPoP-Nonce, also with the token from the verified-token cache', async () => {
      const nonce = await currentNonce();
      for (let i = 0; i < 2; i++) {
        const reply = await dpopGet('/read', bound, nonce);
        passed(reply);
        assert.equal(header(reply, 'dpop-nonce'), undefined);
      }
    });

    it('a nonce two slots old is still refused with use_dpop_nonce and the current nonce', async () => {
      const old = await currentNonce();
      fixture.nextSlot();
      fixture.nextSlot();
      const reply = await dpopGet('/read', bound, old);
      refusedWith(reply, 401, 'ERR_DPOP_NONCE');
      assert.equal(header(reply, 'dpop-nonce'), await currentNonce());
    });

    it('a 403 (missing scope) to a DPoP request with a stale nonce carries the current one; with a current nonce, none', async () => {
      const readOnly = await fixture.issuer.sign({ cnf: { jkt: fixture.client.jkt }, scp: 'ToDoList.Read' });
      const { stale, current } = await staleAndCurrent(fixture, currentNonce);
      const reply = await dpopGet('/write', readOnly, stale);
      refusedWith(reply, 403, 'ERR_INSUFFICIENT_SCOPE');
      assert.match(
        header(reply, 'www-authenticate') ?? '',
        /^DPoP realm="api", error="insufficient_scope", /,
      );
      assert.equal(header(reply, 'dpop-nonce'), current);
      const again = await dpopGet('/write', readOnly, current);
      refusedWith(again, 403, 'ERR_INSUFFICIENT_SCOPE');
      assert.equal(header(again, 'dpop-nonce'), undefined);
    });

    it('Bearer requests never get a DPoP-Nonce, accepted or refused', async () => {
      fixture.nextSlot();
      const bearer = (token: string) =>
        send(server.url, '/read', { headers: { authorization: `Bearer ${token}` } });
      const accepted = await bearer(await fixture.issuer.sign());
      passed(accepted);
      assert.equal(header(accepted, 'dpop-nonce'), undefined);
      const forbidden = await send(server.url, '/write', {
        headers: { authorization: `Bearer ${await fixture.issuer.sign({ scp: 'ToDoList.Read' })}` },
      });
      refusedWith(forbidden, 403, 'ERR_INSUFFICIENT_SCOPE');
      assert.equal(header(forbidden, 'dpop-nonce'), undefined);
    });
  });
}
