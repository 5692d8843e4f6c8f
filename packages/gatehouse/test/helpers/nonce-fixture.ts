/**
 * What the DPoP nonce tests share (RFC 9449 §8.2, §9): a Gatehouse that hands out server nonces on
 * a clock the test moves one nonce slot at a time, a client key, a token bound to it, and proofs
 * issued at the Gatehouse's time.
 */
import { TestIssuer } from 'gatehouse-test-support/issuer';
import { createGatehouse, type Gatehouse } from '../../src/index.ts';
import { type DpopKey, makeDpopKey, makeProof } from './dpop.ts';

/** Seconds a nonce's slot lasts; a nonce is valid in its slot and the next. */
export const NONCE_LIFETIME = 60;
/** What a Gatehouse nonce looks like: its slot, a dot, 18 bytes of HMAC. */
export const NONCE_SHAPE = /^[0-9a-z]+\.[A-Za-z0-9_-]{24}$/;

export interface NonceFixture {
  issuer: TestIssuer;
  gatehouse: Gatehouse;
  client: DpopKey;
  /** An access token bound to `client` (`cnf.jkt`). */
  bound: string;
  /** Moves the Gatehouse's clock one nonce slot on. */
  nextSlot(): void;
  /** A proof of `client` for GET `url` with `token` (`bound`), carrying `nonce`, issued at the Gatehouse's time. */
  proof(url: string, nonce: string | undefined, token?: string): Promise<string>;
  close(): Promise<void>;
}

export async function startNonceFixture(): Promise<NonceFixture> {
  let clock = Date.now();
  const issuer = await TestIssuer.start(['RS256']);
  const client = await makeDpopKey('ES256');
  const gatehouse = createGatehouse({
    issuer: issuer.url,
    audience: issuer.audience,
    clock: () => clock,
    dpop: { nonce: { secret: 'test nonce secret, thirty-two characters or more', lifetime: NONCE_LIFETIME } },
  });
  gatehouse.start();
  const bound = await issuer.sign({ cnf: { jkt: client.jkt } });
  return {
    issuer,
    gatehouse,
    client,
    bound,
    nextSlot: () => {
      clock += NONCE_LIFETIME * 1000;
    },
    proof: (url, nonce, token = bound) =>
      makeProof(client, { method: 'GET', url, token, claims: { nonce, iat: Math.floor(clock / 1000) } }),
    close: async () => {
      gatehouse.close();
      await issuer.close();
    },
  };
}

/**
 * A nonce of the previous slot and the current one, each learnt by `learn` (the way a new client
 * learns one: from a use_dpop_nonce refusal), with the clock moved one slot between them.
 */
export async function staleAndCurrent(
  fixture: NonceFixture,
  learn: () => Promise<string>,
): Promise<{ stale: string; current: string }> {
  const stale = await learn();
  fixture.nextSlot();
  return { stale, current: await learn() };
}
