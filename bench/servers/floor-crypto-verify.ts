/**
 * The floor, not a verifier: node:http, one node:crypto RS256 check with a `KeyObject` made once,
 * jose's `decodeJwt` and the scope check — no `kid`, `iss`, `aud`, `exp` or header checks. What is
 * left of any verifier's cost per token once everything but the signature and the decode is gone.
 */
import { createPublicKey, type JsonWebKey, verify } from 'node:crypto';
import { decodeJwt } from 'jose';
import type { StartServer } from '../lib/protocol.ts';
import { listen, peerServer } from './common.ts';

export const start: StartServer = async (config) => {
  const jwks = (await (await fetch(config.jwksUri)).json()) as { keys: JsonWebKey[] };
  const key = createPublicKey({ key: jwks.keys[0]!, format: 'jwk' });
  return listen(
    peerServer(config.scope, (token) => {
      const dot = token.lastIndexOf('.');
      const input = Buffer.from(token.slice(0, dot), 'latin1');
      const signature = Buffer.from(token.slice(dot + 1), 'base64url');
      return dot > 0 && verify('sha256', input, key, signature) ? decodeJwt(token) : undefined;
    }),
  );
};
