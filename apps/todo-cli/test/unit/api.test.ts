/**
 * The HTTP client's own logic (retry once on 401, what each failure becomes), tested against a
 * local node:http server that answers as told: this is about the client, not about the API.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type TestContext, test } from 'node:test';
import { freePort } from 'gatehouse-test-support/ports';
import { bearerChallenge, createApiClient } from '../../src/api.ts';
import type { TokenProvider } from '../../src/auth.ts';
import { CliError, EXIT } from '../../src/errors.ts';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

async function serve(t: TestContext, handler: Handler): Promise<URL> {
  const server = createServer(handler);
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  t.after(() => new Promise<void>((done) => server.close(() => done())));
  return new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
}

/** Hands out token-1, token-2, ...; a new one only after invalidate(), as the real cache does. */
function countingTokens(): TokenProvider & { issued: number; invalidated: number } {
  let current: string | undefined;
  const tokens = {
    issued: 0,
    invalidated: 0,
    async getToken() {
      if (current === undefined) {
        tokens.issued += 1;
        current = `token-${tokens.issued}`;
      }
      return current;
    },
    invalidate() {
      tokens.invalidated += 1;
      current = undefined;
    },
  };
  return tokens;
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
}

test('a 401 gets one retry with a fresh token, and the fresh token is used', async (t) => {
  const seen: string[] = [];
  const baseUrl = await serve(t, (req, res) => {
    seen.push(req.headers.authorization ?? '');
    if (req.headers.authorization === 'Bearer token-1') {
      json(res, 401, { detail: 'expired' }, { 'www-authenticate': 'Bearer error="invalid_token"' });
    } else {
      json(res, 200, [{ ok: true }]);
    }
  });
  const tokens = countingTokens();
  const api = createApiClient({ baseUrl, tokens });
  const response = await api.send('GET', 'api/todos');
  assert.equal(response.status, 200);
  assert.deepEqual(response.body, [{ ok: true }]);
  assert.deepEqual(seen, ['Bearer token-1', 'Bearer token-2']);
  assert.equal(tokens.invalidated, 1);

  // The fresh token is now the cached one: the next request uses it without asking again.
  await api.send('GET', 'api/todos');
  assert.deepEqual(seen.at(-1), 'Bearer token-2');
  assert.equal(tokens.issued, 2);
});

test('only one retry: a second 401 is exit 3 with the API error, after exactly two requests', async (t) => {
  let requests = 0;
  const baseUrl = await serve(t, (_req, res) => {
    requests += 1;
    json(
      res,
      401,
      {},
      {
        'www-authenticate':
          'Bearer realm="todo", error="invalid_token", error_description="unexpected \\"iss\\""',
      },
    );
  });
  const api = createApiClient({ baseUrl, tokens: countingTokens() });
  await assert.rejects(api.send('GET', 'api/todos'), (error: unknown) => {
    assert.ok(error instanceof CliError);
    assert.equal(error.exitCode, EXIT.auth);
    assert.match(
      error.message,
      /refused this client's access token, also a fresh one \(invalid_token: unexpected "iss"\)/,
    );
    return true;
  });
  assert.equal(requests, 2);
});

test('the retry repeats the method and the JSON body', async (t) => {
  const bodies: string[] = [];
  const baseUrl = await serve(t, async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    bodies.push(`${req.method} ${req.url} ${req.headers['content-type']} ${body}`);
    if (bodies.length === 1) json(res, 401, {});
    else json(res, 201, { created: true });
  });
  const api = createApiClient({ baseUrl, tokens: countingTokens() });
  const response = await api.send('POST', 'api/todos', { json: { text: 'x', owner: 'o' } });
  assert.equal(response.status, 201);
  assert.equal(bodies.length, 2);
  assert.equal(bodies[0], bodies[1]);
  assert.equal(bodies[0], 'POST /api/todos application/json {"text":"x","owner":"o"}');
});

test('403, 404, 400, 503 and a closed port map to their exit codes; no retry for them', async (t) => {
  let requests = 0;
  const baseUrl = await serve(t, (req, res) => {
    requests += 1;
    if (req.url === '/forbidden') {
      json(
        res,
        403,
        { detail: 'Forbidden' },
        {
          'www-authenticate':
            'Bearer realm="todo", error="insufficient_scope", scope="ToDoList.ReadWrite ToDoList.ReadWrite.All"',
        },
      );
    } else if (req.url === '/missing') {
      json(res, 404, { detail: 'No such to-do item' });
    } else if (req.url === '/invalid') {
      json(res, 400, {
        detail: 'Invalid body',
        errors: [{ path: 'body/dueDate', message: 'must match format "date"' }],
      });
    } else {
      json(res, 503, { detail: 'Signing keys are not loaded yet' }, { 'retry-after': '2' });
    }
  });
  const api = createApiClient({ baseUrl, tokens: countingTokens(), clientId: 'reader' });
  const expectCode = async (path: string, code: number, message: RegExp, notFound?: string) => {
    await assert.rejects(api.send('GET', path, notFound ? { notFound } : {}), (error: unknown) => {
      assert.ok(error instanceof CliError);
      assert.equal(error.exitCode, code);
      assert.match(error.message, message);
      return true;
    });
  };
  await expectCode(
    '/forbidden',
    EXIT.forbidden,
    /client reader lacks .* needs ToDoList\.ReadWrite or ToDoList\.ReadWrite\.All/,
  );
  await expectCode('/missing', EXIT.notFound, /^not found: no to-do item abc$/, 'no to-do item abc');
  await expectCode(
    '/invalid',
    EXIT.error,
    /HTTP 400: Invalid body \(body\/dueDate must match format "date"\)/,
  );
  await expectCode(
    '/unavailable',
    EXIT.unreachable,
    /unavailable \(HTTP 503: Signing keys .*\); try again in 2 s/,
  );
  assert.equal(requests, 4);

  const port = await freePort();
  const closed = createApiClient({ baseUrl: new URL(`http://127.0.0.1:${port}`), tokens: countingTokens() });
  await assert.rejects(closed.send('GET', 'api/todos'), (error: unknown) => {
    assert.ok(error instanceof CliError);
    assert.equal(error.exitCode, EXIT.unreachable);
    assert.match(error.message, /cannot reach the API at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)/);
    return true;
  });
});

test('a base URL with a path keeps it; the token never goes to another origin', async (t) => {
  const paths: string[] = [];
  const baseUrl = await serve(t, (req, res) => {
    paths.push(req.url ?? '');
    json(res, 200, []);
  });
  const api = createApiClient({ baseUrl: new URL('todo', baseUrl), tokens: countingTokens() });
  await api.send('GET', 'api/todos?limit=1');
  assert.deepEqual(paths, ['/todo/api/todos?limit=1']);
  await assert.rejects(api.send('GET', 'https://elsewhere.example/api/todos'), /refusing to send the token/);
});

test('bearerChallenge reads RFC 6750 parameters, quoted or not', () => {
  assert.deepEqual(bearerChallenge('Bearer realm="api", error="insufficient_scope", scope="a b"'), {
    realm: 'api',
    error: 'insufficient_scope',
    scope: 'a b',
  });
  assert.deepEqual(bearerChallenge('bearer error=invalid_token'), { error: 'invalid_token' });
  assert.deepEqual(bearerChallenge('Basic realm="x"'), {});
  assert.deepEqual(bearerChallenge(null), {});
});
