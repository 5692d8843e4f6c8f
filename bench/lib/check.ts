/**
 * Before any timing, each server must show it does its job: the valid token gets 200, a forged
 * one (same header and claims, signed by a key the issuer never published) and no token get 401.
 * A server that fails is reported and left out of the timing.
 */
import type { ServerSpec } from './catalog.ts';

export interface CheckInput {
  url: string;
  spec: ServerSpec;
  valid: string;
  forged: string;
  /** A few of the distinct tokens (distinct case): each must get 200 too. */
  samples?: readonly string[];
  /** The to-do cases: how many items the caller must see. */
  expectItems?: number;
  /**
   * DPoP rows: `valid` and `forged` are DPoP-bound and sent with the DPoP scheme, each with a
   * fresh proof for `url`; the bound token sent as Bearer must be refused as well.
   */
  dpop?: { proof: (token: string) => string };
}

interface Answer {
  status: number;
  body: string;
}

async function get(url: string, headers: Record<string, string>): Promise<Answer> {
  const response = await fetch(url, { headers, signal: AbortSignal.timeout(10_000) });
  return { status: response.status, body: await response.text() };
}

const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });

/** The headers of a DPoP request: the token with the DPoP scheme, and a proof. */
export function dpopHeaders(token: string, proof: string): Record<string, string> {
  return { authorization: `DPoP ${token}`, dpop: proof };
}

/** Undefined when the server passes; otherwise why it does not. */
export async function check(input: CheckInput): Promise<string | undefined> {
  const { url, spec, dpop } = input;
  const withToken = (token: string): Record<string, string> =>
    dpop ? dpopHeaders(token, dpop.proof(token)) : bearer(token);
  // The first request may wait for keys (Gatehouse answers 503 until they load; others fetch lazily).
  let first = await get(url, withToken(input.valid)).catch((e: unknown) => ({ status: 0, body: String(e) }));
  for (let i = 0; i < 50 && (first.status === 503 || first.status === 0); i++) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    first = await get(url, withToken(input.valid)).catch((e: unknown) => ({ status: 0, body: String(e) }));
  }
  if (first.status !== 200) return `valid token got ${first.status} ${first.body.slice(0, 160)}`;
  if (input.expectItems !== undefined) {
    const items: unknown = JSON.parse(first.body);
    if (!Array.isArray(items) || items.length !== input.expectItems)
      return `expected ${input.expectItems} items, got ${Array.isArray(items) ? items.length : typeof items}`;
  }
  for (const token of input.samples ?? []) {
    const r = await get(url, withToken(token));
    if (r.status !== 200) return `a distinct valid token got ${r.status} ${r.body.slice(0, 160)}`;
  }
  if (dpop && spec.dpop?.floor) {
    // The DPoP floor checks the proof signature and nothing else: it must refuse no proof and a bad one.
    const noProof = await get(url, { authorization: `DPoP ${input.valid}` });
    if (noProof.status !== 401) return `a request without a proof got ${noProof.status} (must be 401)`;
    const proof = dpop.proof(input.valid);
    // A character well inside the signature: the last one may carry only spare bits.
    const at = proof.length - 10;
    const broken = `${proof.slice(0, at)}${proof[at] === 'A' ? 'B' : 'A'}${proof.slice(at + 1)}`;
    const refused = await get(url, dpopHeaders(input.valid, broken));
    if (refused.status !== 401) return `a proof with a broken signature got ${refused.status} (must be 401)`;
  }
  if (spec.auth === 'none') return undefined;
  const forged = await get(url, withToken(input.forged));
  if (forged.status !== 401) return `forged token got ${forged.status} (must be 401)`;
  const missing = await get(url, {});
  if (missing.status !== 401) return `no token got ${missing.status} (must be 401)`;
  if (dpop) {
    // RFC 9449 §7.2 asks for 401; express-oauth2-jwt-bearer answers 400 invalid_request. Both refuse.
    const asBearer = await get(url, bearer(input.valid));
    if (asBearer.status !== 401 && asBearer.status !== 400)
      return `the DPoP-bound token sent as Bearer got ${asBearer.status} (must be refused: 401, or 400)`;
  }
  return undefined;
}

/** The status a DPoP server answers when a proof it accepted comes again (RFC 9449 §11.1: 401 when it tracks `jti`s). */
export async function replayStatus(url: string, token: string, proof: string): Promise<number> {
  const first = await get(url, dpopHeaders(token, proof));
  if (first.status !== 200) throw new Error(`a fresh proof got ${first.status} ${first.body.slice(0, 160)}`);
  return (await get(url, dpopHeaders(token, proof))).status;
}
