/**
 * The DPoP floor over HTTP, not a verifier: plain node:http (the `node-http` baseline) that, before
 * answering, checks one thing: the ES256 signature of the request's DPoP proof, with the proof's
 * own key made into a KeyObject once per distinct proof header, the signature read as DER. No token,
 * claims, htu, ath or replay check. Less than this no DPoP resource server can do per request, and
 * it pays what verification costs inside a server that is also parsing and answering HTTP, which a
 * signature checked in a tight loop (the in-process floor) does not.
 */
import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { createServer } from 'node:http';
import { floorVerifies } from '../lib/proof-floor.ts';
import type { StartServer } from '../lib/protocol.ts';
import { ITEMS, listen, PATH } from './common.ts';

let knownHeader = '';
let knownKey: KeyObject | undefined;

/** The key of a proof header, imported when the header differs from the last one seen. */
function keyOf(header: string): KeyObject {
  if (header !== knownHeader || knownKey === undefined) {
    const { jwk } = JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as { jwk: JsonWebKey };
    knownKey = createPublicKey({ key: jwk, format: 'jwk' });
    knownHeader = header;
  }
  return knownKey;
}

/** Whether the proof's ES256 signature verifies with its own header key: the floor's whole check. */
export function signatureVerifies(proof: unknown): boolean {
  if (typeof proof !== 'string') return false;
  const first = proof.indexOf('.');
  const dot = proof.lastIndexOf('.');
  if (first <= 0 || dot <= first) return false;
  try {
    return floorVerifies(proof, keyOf(proof.slice(0, first)));
  } catch {
    return false;
  }
}

export const start: StartServer = async () =>
  listen(
    createServer((req, res) => {
      if (req.method !== 'GET' || req.url !== PATH) {
        res.writeHead(404).end();
        return;
      }
      if (!signatureVerifies(req.headers.dpop)) {
        res.writeHead(401, { 'www-authenticate': 'DPoP' }).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(ITEMS));
    }),
  );
