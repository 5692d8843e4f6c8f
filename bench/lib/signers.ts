/** A pool of signer processes (one a core when pinning), handing out batches of distinct tokens. */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { AUDIENCE, type Issuer, SCOPE, USER } from './issuer.ts';
import type { SignedBatch, SignerInit, SignRequest } from './signer-child.ts';

const CHILD = fileURLToPath(new URL('./signer-child.ts', import.meta.url));

export class SignerPool {
  readonly #children: ChildProcess[] = [];
  readonly #pending = new Map<number, (tokens: string[]) => void>();
  #next = 0;
  #id = 0;

  /** `cpus`: one signer pinned to each listed core, or `undefined` entries for unpinned signers. */
  constructor(issuer: Issuer, cpus: readonly (number | undefined)[]) {
    const init: SignerInit = {
      type: 'init',
      privateKeyPem: issuer.privateKeyPem,
      kid: issuer.kid,
      issuer: issuer.issuer,
      audience: AUDIENCE,
      scope: SCOPE,
      user: USER,
    };
    for (const cpu of cpus) {
      const args = [...(cpu === undefined ? [] : ['-c', String(cpu), process.execPath]), CHILD];
      const child = spawn(cpu === undefined ? process.execPath : 'taskset', args, {
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      child.on('message', (message: SignedBatch) => {
        const resolve = this.#pending.get(message.id);
        this.#pending.delete(message.id);
        resolve?.(message.tokens);
      });
      child.send(init);
      this.#children.push(child);
    }
  }

  /** Tokens `from` .. `from + count - 1`, signed by the next signer in turn. */
  sign(from: number, count: number): Promise<string[]> {
    const child = this.#children[this.#next++ % this.#children.length]!;
    const id = this.#id++;
    return new Promise((resolve) => {
      this.#pending.set(id, resolve);
      const request: SignRequest = { type: 'sign', id, from, count };
      child.send(request);
    });
  }

  /** `total` distinct tokens, made in parallel batches. */
  async signMany(total: number, batch = 500): Promise<string[]> {
    const parts: Promise<string[]>[] = [];
    for (let from = 0; from < total; from += batch)
      parts.push(this.sign(from, Math.min(batch, total - from)));
    return (await Promise.all(parts)).flat();
  }

  close(): void {
    for (const child of this.#children) child.disconnect();
  }
}
