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
}

async function get(url: string, token: string | undefined): Promise<{ status: number; body: string }> {
  const response = await fetch(url, {
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
    signal: AbortSignal.timeout(10_000),
  });
  return { status: response.status, body: await response.text() };
}

/** Undefined when the server passes; otherwise why it does not. */
export async function check(input: CheckInput): Promise<string | undefined> {
  const { url, spec } = input;
  // The first request may wait for keys (Gatehouse answers 503 until they load; others fetch lazily).
  let first = await get(url, input.valid).catch((e: unknown) => ({ status: 0, body: String(e) }));
  for (let i = 0; i < 50 && (first.status === 503 || first.status === 0); i++) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    first = await get(url, input.valid).catch((e: unknown) => ({ status: 0, body: String(e) }));
  }
  if (first.status !== 200) return `valid token got ${first.status} ${first.body.slice(0, 160)}`;
  if (input.expectItems !== undefined) {
    const items: unknown = JSON.parse(first.body);
    if (!Array.isArray(items) || items.length !== input.expectItems)
      return `expected ${input.expectItems} items, got ${Array.isArray(items) ? items.length : typeof items}`;
  }
  for (const token of input.samples ?? []) {
    const r = await get(url, token);
    if (r.status !== 200) return `a distinct valid token got ${r.status} ${r.body.slice(0, 160)}`;
  }
  if (spec.auth === 'none') return undefined;
  const forged = await get(url, input.forged);
  if (forged.status !== 401) return `forged token got ${forged.status} (must be 401)`;
  const missing = await get(url, undefined);
  if (missing.status !== 401) return `no token got ${missing.status} (must be 401)`;
  return undefined;
}
