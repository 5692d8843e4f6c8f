// RFC 7662 §2.2 answers judged: what an active answer must still say, and creation-time checks
// of the introspection option. A local endpoint over real HTTP plays odd answers no real IdP
// gives on demand; the dev IdP tests (introspection.test.ts) cover the real exchange.
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { inspect } from 'node:util';
import { isGatehouseError } from '../../src/core/errors.ts';
import { createGatehouse } from '../../src/core/gatehouse.ts';
import { type GatehouseOptions, resolveOptions } from '../../src/core/options.ts';

const ISSUER = 'http://127.0.0.1:9/issuer';
let server: Server;
let endpoint: string;
let answer: { status: number; body: unknown } = { status: 200, body: { active: false } };
let posts = 0;

before(async () => {
  server = createServer((req, res) => {
    posts++;
    req.resume();
    req.on('end', () => {
      res.writeHead(answer.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/introspect`;
});
after(() => new Promise((resolve) => server.close(resolve)));

const now = () => Math.floor(Date.now() / 1000);

function gatehouse(extra: Record<string, unknown> = {}) {
  return createGatehouse({
    issuer: ISSUER,
    jwksUri: 'http://127.0.0.1:9/jwks',
    audience: 'api://todo',
    introspection: { endpoint, clientId: 'rs', clientSecret: 's3cret-value', ...extra },
  });
}

async function codeOf(active: Record<string, unknown> | unknown, status = 200): Promise<string> {
  answer = { status, body: active };
  try {
    await gatehouse().verify('opaque-token-value');
    return 'accepted';
  } catch (error) {
    assert.ok(isGatehouseError(error));
    return `${error.status} ${error.code}`;
  }
}

const good = () => ({
  active: true,
  iss: ISSUER,
  aud: 'api://todo',
  sub: 'user-1',
  client_id: 'app-1',
  scope: 'ToDoList.Read ToDoList.ReadWrite',
  exp: now() + 600,
  iat: now(),
  token_type: 'Bearer',
});

describe('RFC 7662 §2.2 answers', () => {
  test('an active answer gives the principal: scope split on spaces, client_id, sub', async () => {
    answer = { status: 200, body: good() };
    const principal = await gatehouse().verify('opaque-token-value');
    assert.deepEqual(principal.scopes, ['ToDoList.Read', 'ToDoList.ReadWrite']);
    assert.equal(principal.clientId, 'app-1');
    assert.equal(principal.subject, 'user-1');
    assert.equal(principal.issuer, ISSUER);
    assert.equal(principal.isApp, false);
  });

  test('iss may be absent (the issuer endpoint speaks for it) but never another issuer', async () => {
    const { iss: _iss, ...noIss } = good();
    assert.equal(await codeOf(noIss), 'accepted');
    assert.equal(await codeOf({ ...good(), iss: 'http://127.0.0.1:9/other' }), '401 ERR_TOKEN_ISSUER');
  });

  test('aud and exp are required, as for a JWT; a passed exp is expired', async () => {
    const { aud: _aud, ...noAud } = good();
    const { exp: _exp, ...noExp } = good();
    assert.equal(await codeOf(noAud), '401 ERR_TOKEN_AUDIENCE');
    assert.equal(await codeOf({ ...good(), aud: ['api://other'] }), '401 ERR_TOKEN_AUDIENCE');
    assert.equal(await codeOf(noExp), '401 ERR_TOKEN_CLAIM');
    assert.equal(await codeOf({ ...good(), exp: now() - 3600, iat: now() - 7200 }), '401 ERR_TOKEN_EXPIRED');
  });

  test('token_type other than Bearer or DPoP (any case) is 401 ERR_TOKEN_TYPE', async () => {
    assert.equal(await codeOf({ ...good(), token_type: 'bearer' }), 'accepted');
    assert.equal(await codeOf({ ...good(), token_type: 'mac', cnf: { jkt: JKT } }), '401 ERR_TOKEN_TYPE');
    assert.equal(await codeOf({ ...good(), token_type: 'N_A' }), '401 ERR_TOKEN_TYPE');
    assert.equal(await codeOf({ ...good(), token_type: 7 }), '401 ERR_TOKEN_TYPE');
  });
  test('active: false is 401 ERR_TOKEN_INACTIVE', async () => {
    assert.equal(await codeOf({ active: false }), '401 ERR_TOKEN_INACTIVE');
  });

  test('a broken answer or a 5xx is 503, never a verdict on the token', async () => {
    assert.equal(await codeOf({ active: 'true' }), '503 ERR_INTROSPECTION_UNAVAILABLE');
    assert.equal(await codeOf(['x']), '503 ERR_INTROSPECTION_UNAVAILABLE');
    assert.equal(await codeOf({ error: 'server_error' }, 500), '503 ERR_INTROSPECTION_UNAVAILABLE');
    assert.equal(await codeOf({ error: 'invalid_request' }, 400), '503 ERR_INTROSPECTION_UNAVAILABLE');
  });

  test('something that is neither a JWT nor a b64token is refused without a request', async () => {
    const before = posts;
    await assert.rejects(gatehouse().verify('not a token!'), { status: 401, code: 'ERR_TOKEN_MALFORMED' });
    assert.equal(posts, before);
  });
});

/** Thumbprints as an issuer writes them: base64url SHA-256, 43 characters. */
const JKT = createHash('sha256').update('a DPoP proof key').digest('base64url');
const X5T = createHash('sha256').update('a client certificate').digest('base64url');
/** These tests read the claims of bound tokens; the binding itself is the request path's (see dpop tests). */
const CALLER_CHECKS = { senderConstrained: 'caller-checks' } as const;

describe('sender-constrained answers (RFC 9449 §6.2, RFC 8705 §3.2)', () => {
  test('a DPoP-bound answer keeps cnf.jkt in the claims, token_type DPoP in any case', async () => {
    for (const token_type of ['DPoP', 'dpop', 'Bearer', undefined]) {
      answer = { status: 200, body: { ...good(), token_type, cnf: { jkt: JKT } } };
      const principal = await gatehouse().verify('opaque-token-value', CALLER_CHECKS);
      assert.deepEqual(principal.claims.cnf, { jkt: JKT }, String(token_type));
    }
  });

  test('a certificate-bound answer keeps cnf["x5t#S256"]; one bound both ways keeps both', async () => {
    answer = { status: 200, body: { ...good(), cnf: { 'x5t#S256': X5T } } };
    assert.deepEqual((await gatehouse().verify('opaque-token-value', CALLER_CHECKS)).claims.cnf, {
      'x5t#S256': X5T,
    });
    answer = { status: 200, body: { ...good(), token_type: 'DPoP', cnf: { jkt: JKT, 'x5t#S256': X5T } } };
    assert.deepEqual((await gatehouse().verify('opaque-token-value', CALLER_CHECKS)).claims.cnf, {
      jkt: JKT,
      'x5t#S256': X5T,
    });
  });

  test('token_type DPoP without cnf.jkt is 401 ERR_TOKEN_TYPE, never a bearer token', async () => {
    assert.equal(await codeOf({ ...good(), token_type: 'DPoP' }), '401 ERR_TOKEN_TYPE');
    assert.equal(
      await codeOf({ ...good(), token_type: 'DPoP', cnf: { 'x5t#S256': X5T } }),
      '401 ERR_TOKEN_TYPE',
    );
  });

  test('a cnf this API cannot enforce is 401 ERR_TOKEN_CLAIM naming cnf, never ignored', async () => {
    const malformed: unknown[] = [
      null,
      'jkt',
      [JKT],
      {},
      { jwk: { kty: 'EC' } },
      { jkt: JKT, kid: 'another-method' },
      { jkt: '' },
      { jkt: 42 },
      { jkt: JKT.slice(1) },
      { jkt: `${JKT}=` },
      { jkt: `${JKT.slice(0, 42)}+` },
      { jkt: `${JKT.slice(0, 42)}B` }, // 43 characters, but not the canonical encoding of 32 bytes
      { 'x5t#S256': Buffer.from('x'.repeat(32)).toString('hex') },
      { x5t: X5T },
    ];
    for (const cnf of malformed) {
      answer = { status: 200, body: { ...good(), cnf } };
      const refusal = await gatehouse()
        .verify('opaque-token-value')
        .then(
          () => undefined,
          (error: unknown) => error,
        );
      assert.ok(isGatehouseError(refusal), `accepted cnf ${JSON.stringify(cnf)}`);
      assert.equal(
        `${refusal.status} ${refusal.code} ${refusal.claim}`,
        '401 ERR_TOKEN_CLAIM cnf',
        JSON.stringify(cnf),
      );
      assert.match(refusal.detail, /cnf/);
    }
  });
});

describe('the introspection option, checked at creation', () => {
  const base = { issuer: ISSUER, audience: 'api://todo' };
  const bad = (introspection: unknown, extra: Record<string, unknown> = {}) =>
    assert.throws(
      () => resolveOptions({ ...base, ...extra, introspection } as GatehouseOptions),
      (error: unknown) => isGatehouseError(error) && error.code === 'ERR_CONFIGURATION',
    );

  test('bounds, exclusive credentials, URL policy and unknown keys', () => {
    bad({ clientId: 'rs' });
    bad({ clientId: '', clientSecret: 'x' });
    bad({ clientId: 'rs', clientSecret: 'x', privateKey: 'x' });
    bad({ clientId: 'rs', clientSecret: 'x', cacheMaxAge: 3601 });
    bad({ clientId: 'rs', clientSecret: 'x', cacheMaxAge: -1 });
    bad({ clientId: 'rs', clientSecret: 'x', timeout: 50 });
    bad({ clientId: 'rs', clientSecret: 'x', timeout: 60_000 });
    bad({ clientId: 'rs', clientSecret: 'x', endpoint: 'http://idp.example.com/introspect' });
    bad({ clientId: 'rs', clientSecret: 'x', extra: 1 });
    bad({ clientId: 'rs', clientSecret: 'x' }, { issuer: undefined, jwksUri: 'https://idp.example/jwks' });
    bad({ clientId: 'rs', clientSecret: 'x' }, { jwksUri: 'https://idp.example/jwks' });
    const ok = resolveOptions({
      ...base,
      introspection: { clientId: 'rs', clientSecret: 'x', cacheMaxAge: 0, timeout: 100 },
    });
    assert.equal(ok.issuers[0]!.introspection?.cacheMaxAge, 0);
    assert.equal(ok.issuers[0]!.introspection?.credential.method, 'client_secret_basic');
  });

  test('a private key that is not one is refused without quoting it', () => {
    try {
      resolveOptions({ ...base, introspection: { clientId: 'rs', privateKey: 'PEM-GARBAGE-1234' } });
      assert.fail('accepted');
    } catch (error) {
      assert.ok(isGatehouseError(error));
      assert.ok(!error.message.includes('PEM-GARBAGE-1234'));
    }
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const ok = resolveOptions({ ...base, introspection: { clientId: 'rs', privateKey } });
    assert.equal(ok.issuers[0]!.introspection?.credential.method, 'private_key_jwt');
  });

  test('one issuer at most may introspect', () => {
    const one = { issuer: ISSUER, audience: 'a', introspection: { clientId: 'rs', clientSecret: 'x' } };
    assert.throws(
      () => resolveOptions({ issuers: [one, { ...one, issuer: 'https://other.example' }] }),
      /introspection on one issuer only/,
    );
  });

  test('the secret is in no printout of the options', () => {
    const gh = gatehouse();
    assert.ok(!JSON.stringify(gh.options).includes('s3cret-value'));
    assert.ok(!inspect(gh.options, { depth: 10 }).includes('s3cret-value'));
  });
});
