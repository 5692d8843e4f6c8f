/**
 * A process that signs distinct valid tokens (RSA signing costs ~1 ms each), so the bench and the
 * soak can make 10,000 or 100,000 of them on both cores, and the soak's own memory holds none.
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { accessTokenClaims, type BenchUser, signRs256 } from './jwt.ts';

export interface SignerInit {
  type: 'init';
  privateKeyPem: string;
  kid: string;
  issuer: string;
  audience: string;
  scope: string;
  user: BenchUser;
}

export interface SignRequest {
  type: 'sign';
  id: number;
  /** Index of the first token; token i carries `uti` "bench-{i}", so every token differs. */
  from: number;
  count: number;
}

export interface SignedBatch {
  type: 'tokens';
  id: number;
  tokens: string[];
}

let init: SignerInit | undefined;
let key: KeyObject | undefined;

process.on('message', (message: SignerInit | SignRequest) => {
  if (message.type === 'init') {
    init = message;
    key = createPrivateKey(message.privateKeyPem);
    return;
  }
  if (!init || !key) throw new Error('signer: sign before init');
  const now = Math.floor(Date.now() / 1000);
  const tokens: string[] = [];
  for (let i = message.from; i < message.from + message.count; i++) {
    const claims = accessTokenClaims({
      issuer: init.issuer,
      audience: init.audience,
      scope: init.scope,
      user: init.user,
      now,
      uti: `bench-${i}`,
    });
    tokens.push(signRs256({ alg: 'RS256', typ: 'JWT', kid: init.kid }, claims, key));
  }
  const reply: SignedBatch = { type: 'tokens', id: message.id, tokens };
  process.send?.(reply);
});
process.on('disconnect', () => process.exit(0));
