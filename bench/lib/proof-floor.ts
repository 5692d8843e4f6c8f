/**
 * The floor of a DPoP check: what one ES256 proof signature costs to verify in process, with
 * nothing else (no header parsing, no claims, no replay store). Every DPoP verifier pays at least
 * this per request, because no proof is ever seen twice; the bench sets the DPoP overhead it
 * measures over HTTP next to it.
 *
 * The floor is the cheapest way node verifies a JWS ES256 signature: R || S re-encoded as DER
 * (the re-encoding timed with it) and `crypto.verify` with a KeyObject made once. Node's own
 * `dsaEncoding: 'ieee-p1363'` reads the same signature about a third slower; that row stays as a
 * reference, but a floor any verifier can beat would flatter the overhead set against it.
 */
import { createPublicKey, type JsonWebKey, type KeyObject, verify } from 'node:crypto';
import { compactVerify, importJWK } from 'jose';
import { makeClientKey, proofSigner } from './dpop-client.ts';
import { median } from './median.ts';

export interface FloorRow {
  name: string;
  /** CPU microseconds per proof, median over rounds. */
  us: number;
  rounds: number[];
}

/** Signature bytes and signing input of a compact JWS. */
function split(proof: string): { input: Buffer; signature: Buffer } {
  const dot = proof.lastIndexOf('.');
  return {
    input: Buffer.from(proof.slice(0, dot), 'latin1'),
    signature: Buffer.from(proof.slice(dot + 1), 'base64url'),
  };
}

/**
 * The floor's whole check: the ES256 signature of a compact JWS, read as DER, with `key`. The
 * in-process floor, bench/dpop-proof-cost.ts and the floor servers all time this one function.
 */
export function floorVerifies(proof: string, key: KeyObject): boolean {
  const { input, signature } = split(proof);
  return verify('sha256', input, key, derSignature(signature));
}

function check(ok: boolean): void {
  if (!ok) throw new Error('proof floor: a valid proof signature did not verify');
}

/** ECDSA R || S (fixed width, big-endian) as the DER `ECDSA-Sig-Value` OpenSSL reads. */
export function derSignature(rs: Buffer): Buffer {
  const integer = (bytes: Buffer): Buffer => {
    let start = 0;
    while (start < bytes.length - 1 && bytes[start] === 0) start++;
    const value = bytes.subarray(start);
    const sign = value[0]! & 0x80 ? Buffer.from([0]) : Buffer.alloc(0);
    return Buffer.concat([Buffer.from([0x02, sign.length + value.length]), sign, value]);
  };
  const half = rs.length / 2;
  const body = Buffer.concat([integer(rs.subarray(0, half)), integer(rs.subarray(half))]);
  return Buffer.concat([Buffer.from([0x30, body.length]), body]);
}

export const FLOOR_ROW = 'floor: ES256 crypto.verify, signature as DER (KeyObject made once)';

/** Rows of CPU µs per proof over `count` distinct proofs, rounds interleaved. */
export async function measureProofFloor(count: number, rounds: number): Promise<FloorRow[]> {
  const client = makeClientKey();
  const sign = proofSigner(client.privateKey, client.publicJwk, {
    htm: 'GET',
    htu: 'http://127.0.0.1:8080/items',
    ath: 'x'.repeat(43),
  });
  const proofs = Array.from({ length: count }, () => sign());
  const key: KeyObject = createPublicKey({ key: client.publicJwk, format: 'jwk' });
  const jwk: JsonWebKey = client.publicJwk;
  const options = { dsaEncoding: 'ieee-p1363' } as const;
  const rows: Record<string, (proof: string) => unknown> = {
    [FLOOR_ROW]: (proof) => check(floorVerifies(proof, key)),
    'ES256 crypto.verify, dsaEncoding ieee-p1363 (KeyObject made once)': (proof) => {
      const { input, signature } = split(proof);
      check(verify('sha256', input, { key, ...options }, signature));
    },
    'ES256 crypto.verify, key imported from the JWK each time': (proof) => {
      const { input, signature } = split(proof);
      check(
        verify('sha256', input, { key: createPublicKey({ key: jwk, format: 'jwk' }), ...options }, signature),
      );
    },
    'jose importJWK + compactVerify (WebCrypto)': async (proof) => {
      await compactVerify(proof, await importJWK(jwk, 'ES256'), { algorithms: ['ES256'] });
    },
  };
  const once = async (fn: (proof: string) => unknown): Promise<number> => {
    const before = process.cpuUsage();
    for (const proof of proofs) await fn(proof);
    const cpu = process.cpuUsage(before);
    return (cpu.user + cpu.system) / proofs.length;
  };
  const names = Object.keys(rows);
  const samples = new Map<string, number[]>(names.map((name) => [name, []]));
  for (const fn of Object.values(rows)) await once(fn); // warm-up: JIT, OpenSSL contexts
  for (let round = 0; round < rounds; round++) {
    for (let k = 0; k < names.length; k++) {
      const name = names[(k + round) % names.length]!;
      samples.get(name)!.push(await once(rows[name]!));
    }
  }
  return names.map((name) => ({ name, us: median(samples.get(name)!), rounds: samples.get(name)! }));
}
