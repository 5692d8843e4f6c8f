// RFC 7662 introspection of opaque access tokens, against the real dev IdP (oidc-provider issuing
// opaque tokens to todo-daemon-opaque and serving features.introspection) over real HTTP, through
// the node:http adapter. A counting proxy in front of the introspection endpoint counts the POSTs
// and can play an endpoint that is down.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { decodeJwt } from 'jose';
import {
  DATA_FILES,
  DEV_CLIENT_IDS,
  DEV_DAEMON_OPAQUE_SECRET,
  DEV_INTROSPECTION_SECRET,
  type DevIdp,
  getAppToken,
  startDevIdp,
} from '../../../dev-idp/src/index.ts';
import { protect } from '../../src/adapters/node-http.ts';
import { createGatehouse, type Gatehouse } from '../../src/core/gatehouse.ts';
import type { IntrospectionOptions } from '../../src/core/introspection/options.ts';
import type { GatehouseOptions } from '../../src/core/options.ts';
import { requireAppPermissions } from '../../src/core/policy.ts';

const silent = { info() {}, warn() {}, error() {} };

let idp: DevIdp;
let dataDir: string;
let introspectionEndpoint: string;
let revocationEndpoint: string;

/** The proxy in front of the introspection endpoint: counts POSTs, keeps their bodies, or plays dead. */
const proxy = {
  server: undefined as Server | undefined,
  url: '',
  count: 0,
  down: false,
  bodies: [] as string[],
};

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'gatehouse-introspection-'));
  idp = await startDevIdp({ port: 0, dataDir, logger: silent });
  const metadata = (await (await fetch(idp.metadataUrl)).json()) as Record<string, string>;
  introspectionEndpoint = metadata.introspection_endpoint!;
  revocationEndpoint = metadata.revocation_endpoint!;
  proxy.server = createServer(async (req, res) => {
    const body = await readBody(req);
    proxy.count++;
    proxy.bodies.push(body);
    if (proxy.down) {
      req.socket.destroy();
      return;
    }
    const headers: Record<string, string> = { 'content-type': req.headers['content-type'] ?? '' };
    if (req.headers.authorization) headers.authorization = req.headers.authorization;
    const answer = await fetch(introspectionEndpoint, { method: 'POST', headers, body });
    res.writeHead(answer.status, { 'content-type': 'application/json' });
    res.end(await answer.text());
  });
  await new Promise<void>((resolve) => proxy.server!.listen(0, '127.0.0.1', resolve));
  proxy.url = `http://127.0.0.1:${(proxy.server.address() as AddressInfo).port}/introspect`;
});

after(async () => {
  await new Promise((resolve) => proxy.server?.close(resolve));
  await idp?.close();
  await rm(dataDir, { recursive: true, force: true, maxRetries: 3 });
});

function resetProxy(): void {
  proxy.count = 0;
  proxy.down = false;
  proxy.bodies = [];
}

interface Api {
  gh: Gatehouse;
  url: string;
  lines: string[];
}

/** A node:http API: `/read` needs ToDoList.Read.All, `/admin` an app permission no client has. */
async function startApi(
  introspection: Partial<IntrospectionOptions>,
  extra: Partial<GatehouseOptions> = {},
): Promise<Api & { close(): Promise<void> }> {
  const lines: string[] = [];
  const record = (level: string) => (obj: object, msg: string) => {
    lines.push(`${level} ${msg} ${JSON.stringify(obj)}`);
  };
  const gh = createGatehouse({
    issuer: idp.issuer,
    audience: 'api://todo',
    introspection: {
      endpoint: proxy.url,
      clientId: DEV_CLIENT_IDS.introspector,
      clientSecret: DEV_INTROSPECTION_SECRET,
      ...introspection,
    } as IntrospectionOptions,
    logger: { info: record('info'), warn: record('warn'), error: record('error') },
    ...extra,
  } as GatehouseOptions);
  const read = protect(gh, { require: [requireAppPermissions(['ToDoList.Read.All'])] }, (_req, res, p) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(p));
  });
  const admin = protect(gh, { require: [requireAppPermissions(['ToDoList.Admin.All'])] }, (_req, res) => {
    res.end('never');
  });
  const server = createServer((req, res) => (req.url === '/admin' ? admin(req, res) : read(req, res)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    gh,
    url,
    lines,
    close: async () => {
      gh.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

async function opaqueToken(): Promise<string> {
  const { accessToken } = await getAppToken({
    issuer: idp.issuer,
    clientId: DEV_CLIENT_IDS.daemonOpaque,
    clientSecret: DEV_DAEMON_OPAQUE_SECRET,
  });
  assert.equal(accessToken.split('.').length, 1, 'the dev IdP issues todo-daemon-opaque an opaque token');
  return accessToken;
}

function call(url: string, token: string): Promise<Response> {
  return fetch(url, { headers: { authorization: `Bearer ${token}` } });
}

describe('opaque tokens by RFC 7662 introspection (dev IdP, node:http)', () => {
  test('an opaque token is introspected once and builds the principal a JWT would', async (t) => {
    resetProxy();
    const api = await startApi({});
    t.after(() => api.close());
    const token = await opaqueToken();
    const first = await call(`${api.url}/read`, token);
    assert.equal(first.status, 200);
    const principal = (await first.json()) as Record<string, unknown>;
    assert.equal(principal.subject, 'f1b2c3d4-5e6f-4a7b-8c9d-0e1f2a3b4c5d');
    assert.equal(principal.issuer, idp.issuer);
    assert.equal(principal.clientId, DEV_CLIENT_IDS.daemonOpaque);
    assert.deepEqual(principal.roles, ['ToDoList.Read.All', 'ToDoList.ReadWrite.All']);
    assert.equal(principal.isApp, true);
    assert.equal(typeof principal.expiresAt, 'number');
    assert.equal((principal.claims as Record<string, unknown>).aud, 'api://todo');
    assert.equal(proxy.count, 1);
    // The POST carried the token with the access_token hint (RFC 7662 §2.1) and HTTP Basic credentials.
    const form = new URLSearchParams(proxy.bodies[0]);
    assert.equal(form.get('token'), token);
    assert.equal(form.get('token_type_hint'), 'access_token');
    assert.equal(form.get('client_secret'), null, 'client_secret_basic: the secret is not in the body');
    const again = await call(`${api.url}/read`, token);
    assert.equal(again.status, 200);
    assert.equal(proxy.count, 1, 'the second request is answered from the cache');
    assert.ok(!api.lines.join('\n').includes(token), 'no log line holds the token');
  });

  test('a revoked opaque token and an unknown one are 401 invalid_token', async (t) => {
    resetProxy();
    const api = await startApi({});
    t.after(() => api.close());
    const token = await opaqueToken();
    const revoked = await fetch(revocationEndpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        token,
        client_id: DEV_CLIENT_IDS.daemonOpaque,
        client_secret: DEV_DAEMON_OPAQUE_SECRET,
      }),
    });
    assert.equal(revoked.status, 200);
    for (const bad of [token, 'no-such-token-0123456789abcdefghijklmnop']) {
      const res = await call(`${api.url}/read`, bad);
      assert.equal(res.status, 401);
      assert.match(res.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
      assert.equal(((await res.json()) as { code: string }).code, 'ERR_TOKEN_INACTIVE');
    }
    assert.equal(proxy.count, 2);
  });

  test('a valid opaque token without the permission a route needs is 403 with a challenge', async (t) => {
    resetProxy();
    const api = await startApi({});
    t.after(() => api.close());
    const res = await call(`${api.url}/admin`, await opaqueToken());
    assert.equal(res.status, 403);
    const challenge = res.headers.get('www-authenticate') ?? '';
    assert.match(challenge, /^Bearer /);
    assert.match(challenge, /error="insufficient_scope"/);
    assert.match(challenge, /scope="ToDoList.Admin.All"/);
  });

  test('100 concurrent requests with one token cause one introspection call', async (t) => {
    resetProxy();
    const api = await startApi({});
    t.after(() => api.close());
    const token = await opaqueToken();
    const statuses = await Promise.all(
      Array.from({ length: 100 }, () => call(`${api.url}/read`, token).then((r) => r.status)),
    );
    assert.deepEqual(new Set(statuses), new Set([200]));
    assert.equal(proxy.count, 1);
  });

  test('endpoint down: 503 + Retry-After, the circuit stops calling, then recovery', async (t) => {
    resetProxy();
    const api = await startApi({ timeout: 2000 }, { keys: { retryInterval: 300 } });
    t.after(() => api.close());
    const token = await opaqueToken();
    proxy.down = true;
    for (let i = 0; i < 6; i++) {
      const res = await call(`${api.url}/read`, token);
      assert.equal(res.status, 503);
      assert.ok(Number(res.headers.get('retry-after')) >= 1, 'Retry-After is set');
      assert.equal(((await res.json()) as { code: string }).code, 'ERR_INTROSPECTION_UNAVAILABLE');
    }
    assert.equal(proxy.count, 3, 'after 3 failures in a row the endpoint is not called');
    proxy.down = false;
    await new Promise((resolve) => setTimeout(resolve, 400));
    const recovered = await call(`${api.url}/read`, token);
    assert.equal(recovered.status, 200);
    assert.equal(proxy.count, 4);
  });

  test('a wrong client secret is 503 and a loud log line, never 401, never the token or the secret', async (t) => {
    resetProxy();
    const api = await startApi({ clientSecret: 'not-the-secret-xyz' });
    t.after(() => api.close());
    const token = await opaqueToken();
    const res = await call(`${api.url}/read`, token);
    assert.equal(res.status, 503);
    assert.ok(res.headers.get('retry-after'));
    assert.equal(res.headers.get('www-authenticate'), null, 'the client is not told its token is bad');
    const errors = api.lines.filter((line) => line.startsWith('error '));
    assert.equal(errors.length, 1);
    assert.match(errors[0]!, /refused this API's client authentication \(HTTP 401 invalid_client\)/);
    const all = api.lines.join('\n');
    assert.ok(!all.includes(token), 'no log line holds the token');
    assert.ok(!all.includes('not-the-secret-xyz'), 'no log line holds the secret');
    assert.ok(!JSON.stringify(api.gh.options).includes('not-the-secret-xyz'), 'options print no secret');
  });

  test('a JWT of the same issuer is verified locally, never introspected', async (t) => {
    resetProxy();
    const api = await startApi({});
    t.after(() => api.close());
    const { accessToken } = await getAppToken({ issuer: idp.issuer });
    assert.equal(accessToken.split('.').length, 3);
    const res = await call(`${api.url}/read`, accessToken);
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as { clientId: string }).clientId, DEV_CLIENT_IDS.daemon);
    assert.equal(proxy.count, 0);
  });

  test('private_key_jwt: each introspection carries a fresh assertion with its own jti', async (t) => {
    resetProxy();
    const privateKey = await readFile(join(dataDir, DATA_FILES.daemonCertKey), 'utf8');
    const api = await startApi({
      clientId: DEV_CLIENT_IDS.introspectorCert,
      clientSecret: undefined,
      privateKey,
    });
    t.after(() => api.close());
    for (let i = 0; i < 2; i++)
      assert.equal((await call(`${api.url}/read`, await opaqueToken())).status, 200);
    assert.equal(proxy.count, 2);
    const jtis = proxy.bodies.map((body) => {
      const form = new URLSearchParams(body);
      assert.equal(
        form.get('client_assertion_type'),
        'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      );
      const claims = decodeJwt(form.get('client_assertion')!);
      assert.equal(claims.iss, DEV_CLIENT_IDS.introspectorCert);
      assert.equal(claims.aud, idp.issuer);
      return claims.jti;
    });
    assert.equal(new Set(jtis).size, 2);
  });

  test('answers are cached no longer than cacheMaxAge', async (t) => {
    resetProxy();
    let skew = 0;
    const api = await startApi({ cacheMaxAge: 5 }, { clock: () => Date.now() + skew });
    t.after(() => api.close());
    const token = await opaqueToken();
    assert.equal((await call(`${api.url}/read`, token)).status, 200);
    skew = 4000;
    assert.equal((await call(`${api.url}/read`, token)).status, 200);
    assert.equal(proxy.count, 1);
    skew = 6000;
    assert.equal((await call(`${api.url}/read`, token)).status, 200);
    assert.equal(proxy.count, 2);
  });

  test('the endpoint defaults to introspection_endpoint from the metadata', async (t) => {
    resetProxy();
    const api = await startApi({ endpoint: undefined });
    t.after(() => api.close());
    assert.equal((await call(`${api.url}/read`, await opaqueToken())).status, 200);
    assert.equal(proxy.count, 0, 'the proxy was not used: the metadata names the IdP itself');
  });
});
