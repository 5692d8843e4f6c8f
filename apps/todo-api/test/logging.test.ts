import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { createGatehouse } from 'gatehouse-auth';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { createLogger, safeUrl } from '../src/logger.ts';
import { SqliteTodoStore } from '../src/store/sqlite.ts';
import { waitFor } from './helpers/app.ts';
import { startTestIssuer } from './helpers/issuer.ts';

describe('logs', () => {
  it('never contain tokens', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const issuer = await startTestIssuer();
    const config = loadConfig({
      AUTH_ISSUER: issuer.issuer,
      RATE_LIMIT: 'off',
      LOG_LEVEL: 'trace',
      DATABASE_URL: 'sqlite::memory:',
    });
    const logger = createLogger('trace', sink);
    const gatehouse = createGatehouse({ issuer: issuer.issuer, audience: config.auth.audience, logger });
    const store = new SqliteTodoStore({ path: ':memory:' });
    const app = await buildApp({ config, store, gatehouse, logger });
    gatehouse.start();
    await waitFor(() => gatehouse.ready);

    const token = await issuer.userToken('alice');
    const readOnly = await issuer.userToken('alice', 'ToDoList.Read');
    await app.inject({ url: '/api/todos', headers: { authorization: `Bearer ${token}` } });
    await app.inject({
      method: 'POST',
      url: '/api/todos',
      headers: { authorization: `Bearer ${readOnly}` },
      payload: { text: 'x' },
    });
    await app.inject({ url: '/api/todos', headers: { authorization: `Bearer ${token}x` } });
    await app.inject({ url: `/api/todos?access_token=${token}` });
    await app.close();
    gatehouse.close();
    await store.close();
    await issuer.close();

    const output = lines.join('');
    assert.ok(lines.length > 5, 'something was logged');
    for (const secret of [token, readOnly, token.split('.')[2] ?? token]) {
      assert.ok(!output.includes(secret), 'a token reached the log');
    }
    assert.match(output, /access_token=\[redacted\]/);
  });

  it('masks credentials in URLs', () => {
    assert.equal(safeUrl('/cb?code=abc&state=1'), '/cb?code=[redacted]&state=1');
    assert.equal(safeUrl('/x?a=1&access_token=eyJ'), '/x?a=1&access_token=[redacted]');
    assert.equal(safeUrl('/api/todos?limit=5'), '/api/todos?limit=5');
  });
});
