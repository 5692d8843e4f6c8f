/** SIGTERM in the middle of a burst of writes: every write that got a 2xx is there after restart. */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { tempDir } from 'gatehouse-test-support/temp';
import type { Todo } from '../../src/store/types.ts';
import { type DevSystem, http, startDevSystem } from '../helpers/processes.ts';

const data = tempDir('todo-sigterm-');
let system: DevSystem | undefined;
after(() => {
  system?.process.killGroup();
  data.remove();
});

describe('SIGTERM during a burst of writes', () => {
  it('loses no acknowledged write', async () => {
    system = await startDevSystem(data.path, { RATE_LIMIT: 'off' });
    const token = await system.userToken('alice');
    const api = system.api;
    const acknowledged: Todo[] = [];
    let refused = 0;
    let stopping = false;

    async function writer(worker: number): Promise<void> {
      for (let i = 0; ; i++) {
        try {
          const res = await http('POST', `${api}/api/todos`, { token, json: { text: `w${worker}-${i}` } });
          if (res.status === 201) acknowledged.push(res.body as Todo);
          else refused++;
        } catch {
          refused++;
        }
        if (stopping && i > 0) {
          // Keep writing until the server has gone away entirely.
          const alive = await fetch(`${api}/health`).then(
            () => true,
            () => false,
          );
          if (!alive) return;
        }
      }
    }

    const writers = Array.from({ length: 16 }, (_, w) => writer(w));
    // Signal once writes are flowing (not after a fixed delay, which a slow machine might miss).
    const deadline = Date.now() + 10_000;
    while (acknowledged.length < 30 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    stopping = true;
    const took = await system.stop();
    await Promise.all(writers);
    assert.ok(took < 5000, `stopped in ${took} ms\n${system.process.output()}`);
    assert.ok(acknowledged.length > 20, `only ${acknowledged.length} writes before the signal`);

    system = await startDevSystem(data.path, { RATE_LIMIT: 'off' }, system.port);
    const stored = new Map<string, Todo>();
    let next: string | null = `${system.api}/api/todos?limit=200`;
    while (next) {
      const res = await http('GET', next, { token });
      for (const todo of res.body as Todo[]) stored.set(todo.id, todo);
      const target = /<([^>]+)>;\s*rel="next"/.exec(res.headers.get('link') ?? '')?.[1];
      next = target ? new URL(target, system.api).href : null;
    }
    const missing = acknowledged.filter(
      (todo) => JSON.stringify(stored.get(todo.id)) !== JSON.stringify(todo),
    );
    assert.deepEqual(
      missing,
      [],
      `${missing.length} of ${acknowledged.length} acknowledged writes lost (${refused} refused)`,
    );
    await system.stop();
  });
});
