// Sender-constrained opaque tokens, validated by introspection, over real HTTP. DPoP (RFC 9449
// §6.2): the real dev IdP binds an opaque token to a proof key and its introspection endpoint says
// so (cnf.jkt, token_type DPoP). Certificate-bound (RFC 8705 §3.2): the dev IdP speaks plain http
// here, so a local introspection endpoint gives the answer a provider gives (cnf["x5t#S256"]) and
// the API listens on real TLS with real client certificates made by openssl.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { startQuietDevIdp } from 'gatehouse-test-support/dev-idp';
import { tempDir } from 'gatehouse-test-support/temp';
import {
  DEV_CLIENT_IDS,
  DEV_DAEMON_OPAQUE_SECRET,
  DEV_INTROSPECTION_SECRET,
  type DevIdp,
} from '../../../dev-idp/src/index.ts';
import { protect } from '../../src/adapters/node-http.ts';
import { createGatehouse, type Gatehouse } from '../../src/core/gatehouse.ts';
import { type DpopKey, makeDpopKey, makeProof } from '../helpers/dpop.ts';
import { type CertificatePair, makeCertificatePair, tlsGet } from '../helpers/tls-client.ts';

interface Answer {
  status: number;
  code: string | undefined;
  subject: string | undefined;
}

async function answerOf(response: Response): Promise<Answer> {
  const body = (await response.json()) as { code?: string; subject?: string };
  return { status: response.status, code: body.code, subject: body.subject };
}

/** A node:http API answering the principal's subject, or the refusal's code. */
function api(gh: Gatehouse) {
  return protect(gh, {}, (_req, res, principal) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ subject: principal?.subject }));
  });
}

describe('a DPoP-bound opaque token from the dev IdP (RFC 9449 §6.2)', () => {
  let idp: DevIdp;
  let gh: Gatehouse;
  let server: Server;
  let url: string;
  let client: DpopKey;
  let attacker: DpopKey;
  let token: string;

  /** Client credentials with a DPoP proof (RFC 9449 §5): the token endpoint binds the token to `key`. */
  async function boundToken(key: DpopKey): Promise<{ accessToken: string; tokenType: unknown }> {
    const metadata = (await (await fetch(idp.metadataUrl)).json()) as { token_endpoint: string };
    const proof = await makeProof(key, {
      method: 'POST',
      url: metadata.token_endpoint,
      token: '',
      claims: { ath: undefined },
    });
    const response = await fetch(metadata.token_endpoint, {
      method: 'POST',
      headers: { dpop: proof },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: DEV_CLIENT_IDS.daemonOpaque,
        client_secret: DEV_DAEMON_OPAQUE_SECRET,
        scope: 'api://todo/.default',
      }),
    });
    const body = (await response.json()) as { access_token: string; token_type: unknown };
    assert.equal(response.status, 200, JSON.stringify(body));
    return { accessToken: body.access_token, tokenType: body.token_type };
  }

  /** GET /read with `Authorization: DPoP <token>` and `proof`, or a fresh proof by `key`. */
  async function dpopCall(key: DpopKey, proof?: string): Promise<Response> {
    const dpop = proof ?? (await makeProof(key, { method: 'GET', url: `${url}/read`, token }));
    return fetch(`${url}/read`, { headers: { authorization: `DPoP ${token}`, dpop } });
  }

  before(async () => {
    idp = await startQuietDevIdp();
    client = await makeDpopKey('ES256');
    attacker = await makeDpopKey('ES256');
    gh = createGatehouse({
      issuer: idp.issuer,
      audience: 'api://todo',
      introspection: { clientId: DEV_CLIENT_IDS.introspector, clientSecret: DEV_INTROSPECTION_SECRET },
    });
    server = createServer(api(gh));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const issued = await boundToken(client);
    token = issued.accessToken;
    assert.equal(issued.tokenType, 'DPoP');
    assert.equal(token.split('.').length, 1, 'the dev IdP issues todo-daemon-opaque opaque tokens');
  });
  after(async () => {
    gh?.close();
    server?.closeAllConnections();
    server?.close();
    await idp?.close();
  });

  test('the introspection answer carries cnf.jkt and token_type DPoP, kept in the principal', async () => {
    const principal = await gh.verify(token, { senderConstrained: 'caller-checks' });
    assert.deepEqual(principal.claims.cnf, { jkt: client.jkt });
    assert.equal(principal.claims.token_type, 'DPoP');
    // Without the opt-in, verify() refuses it: no request, so no proof to check.
    await assert.rejects(gh.verify(token), { code: 'ERR_DPOP_BOUND_TOKEN_AS_BEARER', status: 401 });
  });

  test('accepted with a proof by the bound key, each request with its own proof', async () => {
    const first = await answerOf(await dpopCall(client));
    assert.equal(first.status, 200, first.code);
    assert.equal(first.subject, (await gh.verify(token, { senderConstrained: 'caller-checks' })).subject);
    // The answer is cached now; the proof is still checked on every request.
    assert.equal((await answerOf(await dpopCall(client))).status, 200);
    const wrongMethod = await makeProof(client, { method: 'POST', url: `${url}/read`, token });
    assert.equal((await answerOf(await dpopCall(client, wrongMethod))).code, 'ERR_DPOP_PROOF_METHOD');
  });

  test("refused with another key's proof (a stolen token): 401 ERR_DPOP_BINDING", async () => {
    const stolen = await dpopCall(attacker);
    assert.equal(stolen.status, 401);
    assert.match(stolen.headers.get('www-authenticate') ?? '', /^DPoP .*error="invalid_token"/);
    assert.equal((await answerOf(stolen)).code, 'ERR_DPOP_BINDING');
  });

  test('refused as a Bearer token, and never served from a cache as one', async () => {
    const asBearer = await fetch(`${url}/read`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(asBearer.status, 401);
    assert.equal((await answerOf(asBearer)).code, 'ERR_DPOP_BOUND_TOKEN_AS_BEARER');
    assert.equal(gh.cached({ headers: { authorization: `Bearer ${token}` } }), undefined);
  });

  test('a proof replayed is refused: 401 ERR_DPOP_PROOF_REPLAY', async () => {
    const proof = await makeProof(client, { method: 'GET', url: `${url}/read`, token });
    assert.equal((await answerOf(await dpopCall(client, proof))).status, 200);
    const replayed = await answerOf(await dpopCall(client, proof));
    assert.deepEqual([replayed.status, replayed.code], [401, 'ERR_DPOP_PROOF_REPLAY']);
  });

  test('a proof for another token (its ath) does not carry this one', async () => {
    const other = (await boundToken(client)).accessToken;
    const proof = await makeProof(client, { method: 'GET', url: `${url}/read`, token: other });
    assert.equal((await answerOf(await dpopCall(client, proof))).code, 'ERR_DPOP_PROOF_ATH');
  });
});

/** The API's answer over https, presenting `client`'s certificate when given. */
async function tlsAnswer(url: string, token: string, client: CertificatePair | undefined): Promise<Answer> {
  const reply = await tlsGet(url, token, client);
  const body = JSON.parse(reply.text) as { code?: string; subject?: string };
  return { status: reply.status, code: body.code, subject: body.subject };
}

describe('a certificate-bound opaque token (RFC 8705 §3.2)', () => {
  const dir = tempDir('gatehouse-introspection-mtls-');
  const issuer = 'http://127.0.0.1:9/issuer';
  let pairs: Record<'server' | 'alice' | 'mallory', CertificatePair>;
  let endpoint: Server;
  let posts = 0;
  let gh: Gatehouse;
  let https: ReturnType<typeof createHttpsServer>;
  let url: string;

  before(async () => {
    const make = (name: string) => makeCertificatePair(dir.path, name);
    pairs = { server: make('server'), alice: make('alice'), mallory: make('mallory') };
    // What a provider answers for a token issued over mutual TLS to alice's certificate.
    endpoint = createServer((req, res) => {
      posts++;
      req.resume();
      req.on('end', () => {
        const now = Math.floor(Date.now() / 1000);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            active: true,
            iss: issuer,
            aud: 'api://todo',
            sub: 'alice-daemon',
            client_id: 'alice-daemon',
            scope: 'ToDoList.Read',
            exp: now + 600,
            iat: now,
            token_type: 'Bearer',
            cnf: { 'x5t#S256': pairs.alice.thumbprint },
          }),
        );
      });
    });
    endpoint.listen(0, '127.0.0.1');
    await once(endpoint, 'listening');
    gh = createGatehouse({
      issuer,
      jwksUri: 'http://127.0.0.1:9/jwks',
      audience: 'api://todo',
      introspection: {
        endpoint: `http://127.0.0.1:${(endpoint.address() as AddressInfo).port}/introspect`,
        clientId: 'rs',
        clientSecret: 'rs-secret-value',
      },
    });
    https = createHttpsServer(
      { key: pairs.server.key, cert: pairs.server.cert, requestCert: true, rejectUnauthorized: false },
      api(gh),
    );
    https.listen(0, '127.0.0.1');
    await once(https, 'listening');
    url = `https://127.0.0.1:${(https.address() as AddressInfo).port}`;
  });
  after(async () => {
    gh?.close();
    https?.closeAllConnections();
    https?.close();
    endpoint?.close();
    dir.remove();
  });

  test('refused without a client certificate, and with another one: 401 ERR_MTLS_BINDING', async () => {
    const none = await tlsAnswer(url, 'opaque-mtls-token-1', undefined);
    assert.deepEqual([none.status, none.code], [401, 'ERR_MTLS_BINDING']);
    const other = await tlsAnswer(url, 'opaque-mtls-token-1', pairs.mallory);
    assert.deepEqual([other.status, other.code], [401, 'ERR_MTLS_BINDING']);
  });

  test('accepted with the bound certificate; the cached answer still needs it on every request', async () => {
    const before = posts;
    const accepted = await tlsAnswer(url, 'opaque-mtls-token-2', pairs.alice);
    assert.deepEqual([accepted.status, accepted.subject], [200, 'alice-daemon']);
    const stolen = await tlsAnswer(url, 'opaque-mtls-token-2', pairs.mallory);
    assert.deepEqual([stolen.status, stolen.code], [401, 'ERR_MTLS_BINDING']);
    assert.equal(posts - before, 1, 'the second request was answered from the introspection cache');
    assert.equal(gh.cached({ headers: { authorization: 'Bearer opaque-mtls-token-2' } }), undefined);
    assert.equal((await tlsAnswer(url, 'opaque-mtls-token-2', pairs.alice)).status, 200);
  });
});
