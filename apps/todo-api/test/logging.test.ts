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

describe('log redaction by parameter name', () => {
  it('redacts encoded, differently cased, semicolon, plus and repeated credential parameters in request logs', async () => {
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
      DATABASE_URL: 'sqlite::memory:',
    });
    const logger = createLogger('info', sink);
    const gatehouse = createGatehouse({ issuer: issuer.issuer, audience: config.auth.audience });
    const store = new SqliteTodoStore({ path: ':memory:' });
    const app = await buildApp({ config, store, gatehouse, logger });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address();
    const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    const forms = {
      percentName: '/api/todos?%61ccess_token=SECRETpercentname',
      percentUnderscore: '/api/todos?access%5Ftoken=SECRETpercentunderscore',
      semicolon: '/api/todos?limit=5;access_token=SECRETsemicolon',
      matrix: '/api/todos;access_token=SECRETmatrix',
      mixedCase: '/api/todos?Access_Token=SECRETmixedcase',
      plus: '/api/todos?+access_token+=SECRETplus',
      repeated: '/api/todos?access_token=SECRETrepeatedone&access_token=SECRETrepeatedtwo',
      doubleEncoded: '/api/todos?%2561ccess_token=SECRETdoubleencoded',
      clientAssertion: '/api/todos?CLIENT_ASSERTION=SECRETassertion&password=SECRETpassword',
      undecodable: '/api/todos?%E0%A4%A=1&x=SECRETundecodable',
    };
    try {
      for (const path of Object.values(forms)) await fetch(`${base}${path}`);
    } finally {
      await app.close();
      await store.close();
      await issuer.close();
    }
    const output = lines.join('');
    assert.ok(output.includes('limit=5'), 'harmless parameters are still logged');
    for (const [form, path] of Object.entries(forms)) {
      for (const secret of path.match(/SECRET[a-z]+/g) ?? []) {
        assert.ok(!output.includes(secret), `${form}: ${secret} reached the log`);
      }
    }
    assert.match(output, /"url":"\[redacted\]"/, 'an undecodable URL is redacted whole');
  });

  it('keeps harmless parameters and masks credentials by decoded name', () => {
    assert.equal(safeUrl('/x?%61ccess_token=eyJ&limit=2'), '/x?%61ccess_token=[redacted]&limit=2');
    assert.equal(safeUrl('/x;Access_Token=eyJ'), '/x;Access_Token=[redacted]');
    assert.equal(safeUrl('/x?codex=1&code=2'), '/x?codex=1&code=[redacted]');
    assert.equal(safeUrl('/x?a=%ZZ'), '/x?a=%ZZ');
    assert.equal(safeUrl('/x?%ZZ=1'), '[redacted]');
  });
});
