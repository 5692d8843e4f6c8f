/**
 * The CLI's DPoP (RFC 9449) parts on their own: the proofs it signs, the settings, how it reads
 * challenges, and what the API client does with DPoP answers, against a local node:http server.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type TestContext, test } from 'node:test';
import { calculateJwkThumbprint, decodeProtectedHeader, EmbeddedJWK, type JWK, jwtVerify } from 'jose';
import { createApiClient } from '../../src/api.ts';
import { createTokenProvider, type TokenProvider } from '../../src/auth.ts';
import { resolveConfig } from '../../src/config.ts';
import { createDpopKey, parseChallenges } from '../../src/dpop.ts';
import { CliError, EXIT } from '../../src/errors.ts';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

async function serve(t: TestContext, handler: Handler): Promise<URL> {
  const server = createServer(handler);
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  t.after(() => new Promise<void>((done) => server.close(() => done())));
  return new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
}

function fixedToken(token: string): TokenProvider & { requested: number } {
  const provider = {
    requested: 0,
    async getToken() {
      provider.requested += 1;
      return token;
    },
    invalidate() {},
  };
  return provider;
}

test('a proof is an ES256 dpop+jwt signed by the embedded public key, for one method, URL and token', async () => {
  const key = await createDpopKey();
  const url = new URL('https://api.example.com/api/todos?limit=5#x');
  const proof = await key.proof('post', url, 'the-token', 'n-1');
  const header = decodeProtectedHeader(proof);
  assert.deepEqual(Object.keys(header.jwk ?? {}).sort(), ['crv', 'kty', 'x', 'y']);
  assert.equal(await calculateJwkThumbprint(header.jwk as JWK, 'sha256'), key.thumbprint);
  const { payload, protectedHeader } = await jwtVerify(proof, EmbeddedJWK, { typ: 'dpop+jwt' });
  assert.equal(protectedHeader.alg, 'ES256');
  assert.equal(payload.htm, 'POST');
  assert.equal(payload.htu, 'https://api.example.com/api/todos');
  assert.equal(payload.ath, createHash('sha256').update('the-token').digest('base64url'));
  assert.equal(payload.nonce, 'n-1');
  assert.ok(Math.abs((payload.iat ?? 0) - Date.now() / 1000) < 5);
  const again = await jwtVerify(await key.proof('POST', url, 'the-token'), EmbeddedJWK);
  assert.notEqual(again.payload.jti, payload.jti);
  assert.equal(again.payload.nonce, undefined);
});

test('TODO_DPOP and --dpop turn DPoP on; off by default; a value other than 1/0 is a usage error', () => {
  const input = (env: Record<string, string>, dpop?: boolean) =>
    resolveConfig({ flags: { dpop }, env, dotenv: {}, cwd: '/' });
  assert.equal(input({}).dpop, false);
  assert.equal(input({ TODO_DPOP: '1' }).dpop, true);
  assert.equal(input({ TODO_DPOP: 'true' }).dpop, true);
  assert.equal(input({ TODO_DPOP: '0' }).dpop, false);
  assert.equal(input({ TODO_DPOP: '0' }, true).dpop, true);
  assert.equal(input({}, true).dpop, true);
  assert.throws(
    () => input({ TODO_DPOP: 'sometimes' }),
    (error: unknown) =>
      error instanceof CliError &&
      error.exitCode === EXIT.usage &&
      /TODO_DPOP must be 1 or 0/.test(error.message),
  );
});

test('parseChallenges reads every challenge of one WWW-Authenticate value', () => {
  assert.deepEqual(
    parseChallenges(
      'DPoP realm="api", error="invalid_token", error_description="a \\"bad\\" one, really", algs="ES256 PS256", Bearer realm="api"',
    ),
    [
      {
        scheme: 'dpop',
        params: {
          realm: 'api',
          error: 'invalid_token',
          error_description: 'a "bad" one, really',
          algs: 'ES256 PS256',
        },
      },
      { scheme: 'bearer', params: { realm: 'api' } },
    ],
  );
  assert.deepEqual(parseChallenges('Bearer'), [{ scheme: 'bearer', params: {} }]);
  assert.deepEqual(parseChallenges(null), []);
});

test('with DPoP every request carries Authorization: DPoP and a fresh proof; use_dpop_nonce is retried once with the nonce', async (t) => {
  const seen: { authorization: string | undefined; proof: string }[] = [];
  const baseUrl = await serve(t, (req, res) => {
    const proof = String(req.headers.dpop ?? '');
    seen.push({ authorization: req.headers.authorization, proof });
    const payload = JSON.parse(Buffer.from(proof.split('.')[1] ?? '', 'base64url').toString()) as {
      nonce?: string;
    };
    if (payload.nonce !== 'server-nonce') {
      res
        .writeHead(401, {
          'www-authenticate': 'DPoP realm="api", error="use_dpop_nonce", algs="ES256"',
          'dpop-nonce': 'server-nonce',
        })
        .end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end('[]');
  });
  const dpop = await createDpopKey();
  const tokens = fixedToken('bound-token');
  const api = createApiClient({ baseUrl, tokens, dpop });
  assert.equal((await api.send('GET', 'api/todos')).status, 200);
  assert.equal(seen.length, 2);
  for (const { authorization } of seen) assert.equal(authorization, 'DPoP bound-token');
  assert.notEqual(seen[0]?.proof, seen[1]?.proof);
  // The nonce is kept: the next request sends it at once.
  assert.equal((await api.send('POST', 'api/todos', { json: { text: 'x' } })).status, 200);
  assert.equal(seen.length, 3);
  const { payload } = await jwtVerify(seen[2]?.proof ?? '', EmbeddedJWK);
  assert.equal(payload.htm, 'POST');
  assert.equal(payload.htu, `${baseUrl.origin}/api/todos`);
  assert.equal(tokens.requested, 2);
});

test('a nonce handed out on a success (RFC 9449 §8.2) goes into the next proof, with no use_dpop_nonce round trip', async (t) => {
  // The API's nonces: n-1 until it rotates; the answer to a proof still carrying n-1 hands out n-2.
  let current = 'n-1';
  const seen: { nonce: string | undefined; status: number }[] = [];
  const baseUrl = await serve(t, (req, res) => {
    const proof = String(req.headers.dpop ?? '');
    const { nonce } = JSON.parse(Buffer.from(proof.split('.')[1] ?? '', 'base64url').toString()) as {
      nonce?: string;
    };
    const answer = (status: number, headers: Record<string, string>, body = '') => {
      seen.push({ nonce, status });
      res.writeHead(status, headers).end(body);
    };
    if (nonce === current) answer(200, { 'content-type': 'application/json' }, '[]');
    else if (nonce === 'n-1' && current === 'n-2')
      answer(200, { 'content-type': 'application/json', 'dpop-nonce': current }, '[]');
    else
      answer(401, {
        'www-authenticate': 'DPoP realm="api", error="use_dpop_nonce", algs="ES256"',
        'dpop-nonce': current,
      });
  });
  const api = createApiClient({ baseUrl, tokens: fixedToken('bound-token'), dpop: await createDpopKey() });
  assert.equal((await api.send('GET', 'api/todos')).status, 200);
  current = 'n-2';
  assert.equal((await api.send('GET', 'api/todos')).status, 200);
  assert.equal((await api.send('GET', 'api/todos')).status, 200);
  assert.deepEqual(seen, [
    { nonce: undefined, status: 401 },
    { nonce: 'n-1', status: 200 },
    { nonce: 'n-1', status: 200 }, // the previous nonce, still accepted; its answer carries n-2
    { nonce: 'n-2', status: 200 }, // taken from that 200: no refusal needed to learn it
  ]);
});

test('an API that requires DPoP: a Bearer client gets one clear error, without asking for a second token', async (t) => {
  let requests = 0;
  const baseUrl = await serve(t, (_req, res) => {
    requests += 1;
    res
      .writeHead(401, {
        'content-type': 'application/problem+json',
        'www-authenticate':
          'DPoP realm="api", error="invalid_token", error_description="This resource requires a DPoP-bound token and a DPoP proof", algs="ES256"',
      })
      .end('{"title":"Unauthorized"}');
  });
  const tokens = fixedToken('bearer-token');
  const api = createApiClient({ baseUrl, tokens });
  await assert.rejects(api.send('GET', 'api/todos'), (error: unknown) => {
    assert.ok(error instanceof CliError);
    assert.equal(error.exitCode, EXIT.auth);
    assert.match(error.message, /requires DPoP-bound tokens .*run with --dpop or set TODO_DPOP=1/);
    assert.match(error.message, /This resource requires a DPoP-bound token/);
    return true;
  });
  assert.equal(requests, 1);
  assert.equal(tokens.requested, 1);
});

test('with DPoP, a refused proof is named in the error', async (t) => {
  const baseUrl = await serve(t, (_req, res) => {
    res
      .writeHead(401, {
        'www-authenticate':
          'DPoP realm="api", error="invalid_dpop_proof", error_description="The DPoP proof was already used", algs="ES256"',
      })
      .end();
  });
  const api = createApiClient({ baseUrl, tokens: fixedToken('t'), dpop: await createDpopKey() });
  await assert.rejects(api.send('GET', 'api/todos'), (error: unknown) => {
    assert.ok(error instanceof CliError);
    assert.equal(error.exitCode, EXIT.auth);
    assert.match(
      error.message,
      /DPoP-bound token and proof.*invalid_dpop_proof: The DPoP proof was already used/,
    );
    return true;
  });
});

/**
 * A minimal authorization server: discovery and a token endpoint that first asks for a DPoP nonce
 * (RFC 9449 §8), then answers with `tokenType`.
 */
async function tokenServer(t: TestContext, tokenType: string) {
  const proofs: string[] = [];
  let origin = '';
  const url = await serve(t, (req, res) => {
    if (req.url === '/.well-known/openid-configuration') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ issuer: origin, token_endpoint: `${origin}/token` }));
      return;
    }
    const proof = String(req.headers.dpop ?? '');
    proofs.push(proof);
    const payload = proof
      ? (JSON.parse(Buffer.from(proof.split('.')[1] ?? '', 'base64url').toString()) as { nonce?: string })
      : {};
    if (proof && payload.nonce !== 'as-nonce') {
      res.writeHead(400, { 'content-type': 'application/json', 'dpop-nonce': 'as-nonce' });
      res.end(JSON.stringify({ error: 'use_dpop_nonce' }));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ access_token: 'at', token_type: tokenType, expires_in: 300 }));
  });
  origin = url.origin;
  const config = resolveConfig({
    flags: { dpop: true },
    env: { TODO_AUTHORITY: origin, TODO_CLIENT_ID: 'c', TODO_CLIENT_SECRET: 's' },
    dotenv: {},
    cwd: '/',
  });
  return { config, proofs, origin };
}

test('the token request carries a proof for the token endpoint, retried once with the server nonce', async (t) => {
  const { config, proofs, origin } = await tokenServer(t, 'DPoP');
  const dpop = await createDpopKey();
  assert.equal(await createTokenProvider(config, { dpop }).getToken(), 'at');
  assert.equal(proofs.length, 2);
  const { payload, protectedHeader } = await jwtVerify(proofs[1] ?? '', EmbeddedJWK, { typ: 'dpop+jwt' });
  assert.equal(payload.htu, `${origin}/token`);
  assert.equal(payload.htm, 'POST');
  assert.equal(payload.nonce, 'as-nonce');
  assert.equal(await calculateJwkThumbprint(protectedHeader.jwk as JWK, 'sha256'), dpop.thumbprint);
});

test('an identity provider that ignores the proof (token_type Bearer) is exit 3, not a silently unbound token', async (t) => {
  const { config } = await tokenServer(t, 'Bearer');
  await assert.rejects(
    createTokenProvider(config, { dpop: await createDpopKey() }).getToken(),
    (error: unknown) => {
      assert.ok(error instanceof CliError);
      assert.equal(error.exitCode, EXIT.auth);
      assert.match(
        error.message,
        /ignored the DPoP proof and issued a bearer token; it may not support DPoP/,
      );
      return true;
    },
  );
});
