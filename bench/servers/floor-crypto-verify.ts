/**
 * The floor, not a verifier: node:http, one node:crypto RS256 check with a `KeyObject` made once,
 * jose's `decodeJwt` and the scope check — no `kid`, `iss`, `aud`, `exp` or header checks. What is
 * left of any verifier's cost per token once everything but the signature and the decode is gone.
 */
import { createPublicKey, type JsonWebKey, type KeyObject, verify } from 'node:crypto';
import { decodeJwt } from 'jose';
import type { StartServer } from '../lib/protocol.ts';
import { listen, peerServer } from './common.ts';

/** The floor's whole check: the claims of a token whose RS256 signature `key` verifies, else undefined. */
export function floorCheck(key: KeyObject): (token: string) => Readonly<Record<string, unknown>> | undefined {
  return (token) => {
    const dot = token.lastIndexOf('.');
    const input = Buffer.from(token.slice(0, dot), 'latin1');
    const signature = Buffer.from(token.slice(dot + 1), 'base64url');
    return dot > 0 && verify('sha256', input, key, signature) ? decodeJwt(token) : undefined;
  };
}

/** The first key of the issuer's key set, made into a `KeyObject` once. */
export async function firstKey(jwksUri: string): Promise<KeyObject> {
  const jwks = (await (await fetch(jwksUri)).json()) as { keys: JsonWebKey[] };
  return createPublicKey({ key: jwks.keys[0]!, format: 'jwk' });
}

export const start: StartServer = async (config) =>
  listen(peerServer(config.scope, floorCheck(await firstKey(config.jwksUri))));
