/** The SQLite database holds every user's items: its directory and files are the service user's alone. */
import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { freePortBlock } from 'gatehouse-test-support/ports';
import { tempDir } from 'gatehouse-test-support/temp';
import { startTestIssuer } from '../helpers/issuer.ts';
import { http, run, waitForReady } from '../helpers/processes.ts';

function mode(path: string): string {
  return (statSync(path).mode & 0o777).toString(8);
}

describe('SQLite files are not world-readable', () => {
  it('creates the data directory 0700 and the database, -wal and -shm 0600 after a real write', async () => {
    const issuer = await startTestIssuer();
    const work = tempDir('todo-perms-');
    const port = await freePortBlock();
    const dataDir = join(work.path, 'data');
    const proc = run(['scripts/start.ts'], {
      PORT: String(port),
      AUTH_ISSUER: issuer.issuer,
      DATABASE_URL: undefined,
      DATA_DIR: dataDir,
    });
    try {
      const api = `http://127.0.0.1:${port}`;
      await waitForReady(proc, `${api}/ready`, 'the API');
      const created = await http('POST', `${api}/api/todos`, {
        token: await issuer.userToken('alice'),
        json: { text: 'private' },
      });
      assert.equal(created.status, 201);
      const db = join(dataDir, 'todos.db');
      // Checked while the API runs: SQLite removes -wal and -shm on a clean close.
      for (const file of [db, `${db}-wal`, `${db}-shm`]) {
        assert.ok(existsSync(file), `${file} exists`);
        assert.equal(mode(file), '600', `${file} is owner-only`);
      }
      assert.equal(mode(dataDir), '700');
    } finally {
      await proc.stop();
      proc.killGroup();
      await issuer.close();
      work.remove();
    }
  });
});
