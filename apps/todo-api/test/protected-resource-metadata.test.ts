/** RFC 9728 metadata must not let a forged Host header poison shared caches. */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { describe, it } from 'node:test';
import { loadConfig } from '../src/config.ts';
import { makeTestApp, type TestApp } from './helpers/app.ts';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Record<string, unknown>;
}

/** node:http, because fetch does not let a caller choose the Host header. */
function get(port: number, path: string, host: string): Promise<Answer> {
  return new Promise((done, fail) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { host } }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => {
        text += chunk.toString();
      });
      res.on('end', () =>
        done({ status: res.statusCode ?? 0, headers: res.headers, body: JSON.parse(text) }),
      );
    });
    req.on('error', fail);
    req.end();
  });
}

async function listening(env: Record<string, string>): Promise<{ t: TestApp; port: number }> {
  const t = await makeTestApp(env);
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  const address = t.app.server.address();
  return { t, port: typeof address === 'object' && address ? address.port : 0 };
}

describe('protected resource metadata and forged Host headers', () => {
  it('derived from the request, it is never stored by shared caches and varies by Host', async () => {
    const { t, port } = await listening({});
    try {
      const res = await get(port, '/.well-known/oauth-protected-resource', 'evil.example.com');
      assert.equal(res.status, 200);
      const cacheControl = String(res.headers['cache-control']);
      assert.doesNotMatch(cacheControl, /public/);
      assert.match(cacheControl, /no-store|private/);
      assert.match(String(res.headers.vary), /\bHost\b/i);
      assert.match(String(res.headers.vary), /X-Forwarded-Host/i);
    } finally {
      await t.close();
    }
  });

  it('with PUBLIC_URL, the resource identifier ignores the Host header and may be cached', async () => {
    const { t, port } = await listening({ PUBLIC_URL: 'https://todo.example.com/' });
    try {
      const res = await get(port, '/.well-known/oauth-protected-resource', 'evil.example.com');
      assert.equal(res.body.resource, 'https://todo.example.com');
      assert.equal(res.body.resource_documentation, 'https://todo.example.com/docs');
      assert.match(String(res.headers['cache-control']), /public/);
    } finally {
      await t.close();
    }
  });

  it('a PUBLIC_URL with a path is served at the RFC 9728 §3 location with that exact resource', async () => {
    const { t, port } = await listening({ PUBLIC_URL: 'https://api.example.com/todo' });
    try {
      const res = await get(port, '/.well-known/oauth-protected-resource/todo', 'evil.example.com');
      assert.equal(res.status, 200);
      assert.equal(res.body.resource, 'https://api.example.com/todo');
    } finally {
      await t.close();
    }
  });

  it('refuses a PUBLIC_URL that cannot be a resource identifier, naming the variable', () => {
    for (const bad of [
      'http://todo.example.com',
      'https://todo.example.com/?x=1',
      'https://todo.example.com/#top',
      'https://user:pw@todo.example.com',
      'todo.example.com',
    ]) {
      assert.throws(
        () => loadConfig({ AUTH_ISSUER: 'http://127.0.0.1:3001', PUBLIC_URL: bad }),
        (error: Error) => error.message.startsWith('PUBLIC_URL ') && !error.message.includes('\n'),
        bad,
      );
    }
    assert.equal(
      loadConfig({ AUTH_ISSUER: 'http://127.0.0.1:3001', PUBLIC_URL: 'http://localhost:3000' }).publicUrl,
      'http://localhost:3000',
    );
  });
});
