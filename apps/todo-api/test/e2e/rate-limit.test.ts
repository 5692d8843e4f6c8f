import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { tempDir } from 'gatehouse-test-support/temp';
import { type DevSystem, http, startDevSystem } from '../helpers/processes.ts';

const data = tempDir('todo-ratelimit-');
let system: DevSystem | undefined;
after(() => {
  system?.process.killGroup();
  data.remove();
});

describe('rate limiting over real HTTP', () => {
  it('answers 429 with Retry-After and a problem body past RATE_LIMIT', async () => {
    system = await startDevSystem(data.path, { RATE_LIMIT: '5/60' });
    const token = await system.userToken('alice');
    const statuses: number[] = [];
    let limited: Awaited<ReturnType<typeof http>> | undefined;
    for (let i = 0; i < 7; i++) {
      const res = await http('GET', `${system.api}/api/todos`, { token });
      statuses.push(res.status);
      if (res.status === 429) limited = res;
    }
    assert.deepEqual(statuses, [200, 200, 200, 200, 200, 429, 429]);
    assert.ok(limited);
    assert.ok(Number(limited.headers.get('retry-after')) >= 1);
    assert.match(limited.headers.get('content-type') ?? '', /^application\/problem\+json/);
    assert.equal((limited.body as { status: number }).status, 429);
    // Another caller has its own budget; probes are never limited.
    const bob = await system.userToken('bob');
    assert.equal((await http('GET', `${system.api}/api/todos`, { token: bob })).status, 200);
    assert.equal((await http('GET', `${system.api}/health`)).status, 200);
    await system.stop();
  });
});
