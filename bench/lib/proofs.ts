/** A pool of proof-signer processes (one a core when pinning), handing out fresh DPoP proofs. */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { DpopClientKey, ProofTarget } from './dpop-client.ts';
import type { ProofRequest, ProofSignerInit, SignedProofs } from './proof-child.ts';

const CHILD = fileURLToPath(new URL('./proof-child.ts', import.meta.url));

export class ProofPool {
  readonly #children: ChildProcess[] = [];
  readonly #pending = new Map<
    number,
    { resolve: (proofs: string[]) => void; reject: (error: Error) => void }
  >();
  #closing = false;
  #next = 0;
  #id = 0;

  /** `cpus`: one signer pinned to each listed core, or `undefined` entries for unpinned signers. */
  constructor(client: DpopClientKey, cpus: readonly (number | undefined)[]) {
    const init: ProofSignerInit = {
      type: 'init',
      privateKeyPem: client.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
      publicJwk: client.publicJwk,
    };
    for (const cpu of cpus) {
      const args = [...(cpu === undefined ? [] : ['-c', String(cpu), process.execPath]), CHILD];
      const child = spawn(cpu === undefined ? process.execPath : 'taskset', args, {
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      child.on('message', (message: SignedProofs) => {
        const pending = this.#pending.get(message.id);
        this.#pending.delete(message.id);
        pending?.resolve(message.proofs);
      });
      // A signer that dies would leave the run waiting for ever: fail what is pending instead.
      child.once('exit', (code) => {
        if (this.#closing) return;
        for (const { reject } of this.#pending.values())
          reject(new Error(`a proof signer exited with ${code}`));
        this.#pending.clear();
      });
      child.send(init);
      this.#children.push(child);
    }
  }

  #sign(target: ProofTarget, prefix: string, from: number, count: number): Promise<string[]> {
    const child = this.#children[this.#next++ % this.#children.length]!;
    const id = this.#id++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      const request: ProofRequest = { type: 'proofs', id, target, prefix, from, count };
      child.send(request);
    });
  }

  /** `total` proofs for `target`, each with its own `jti`, signed now (their `iat`), in parallel batches. */
  async proofs(target: ProofTarget, total: number, batch = 2000): Promise<string[]> {
    const prefix = randomUUID();
    const parts: Promise<string[]>[] = [];
    for (let from = 0; from < total; from += batch)
      parts.push(this.#sign(target, prefix, from, Math.min(batch, total - from)));
    return (await Promise.all(parts)).flat();
  }

  close(): void {
    this.#closing = true;
    for (const child of this.#children) child.disconnect();
  }
}
