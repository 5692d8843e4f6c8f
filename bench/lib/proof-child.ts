/**
 * A process that signs DPoP proofs (ES256, about 0.1 ms each here), so that the bench can make the
 * tens of thousands a timed run consumes on both cores in the seconds before it starts.
 */
import { createPrivateKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { type ProofTarget, proofSigner } from './dpop-client.ts';

export interface ProofSignerInit {
  type: 'init';
  privateKeyPem: string;
  publicJwk: JsonWebKey;
}

export interface ProofRequest {
  type: 'proofs';
  id: number;
  target: ProofTarget;
  /** Proof i gets the `jti` `${prefix}.${i}`: unique within the run and across runs. */
  prefix: string;
  from: number;
  count: number;
}

export interface SignedProofs {
  type: 'proofs';
  id: number;
  proofs: string[];
}

let key: KeyObject | undefined;
let publicJwk: JsonWebKey | undefined;

process.on('message', (message: ProofSignerInit | ProofRequest) => {
  if (message.type === 'init') {
    key = createPrivateKey(message.privateKeyPem);
    publicJwk = message.publicJwk;
    return;
  }
  if (!key || !publicJwk) throw new Error('proof signer: sign before init');
  const sign = proofSigner(key, publicJwk, message.target);
  const proofs: string[] = [];
  for (let i = message.from; i < message.from + message.count; i++)
    proofs.push(sign(`${message.prefix}.${i}`));
  const reply: SignedProofs = { type: 'proofs', id: message.id, proofs };
  process.send?.(reply);
});
process.on('disconnect', () => process.exit(0));
