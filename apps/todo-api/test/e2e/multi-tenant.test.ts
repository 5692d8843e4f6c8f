/**
 * AUTH_METADATA_URL on a multi-tenant (`{tenantid}`) metadata document, as Entra's `common` and
 * `organizations` serve: without AUTH_TENANTS, any tenant's app would read everyone's items.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { freePortBlock } from 'gatehouse-test-support/ports';
import { tempDir } from 'gatehouse-test-support/temp';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { http, type RunningProcess, run, waitForReady } from '../helpers/processes.ts';

const HOME = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const FOREIGN = '9188040d-6c67-4c5b-b112-36a304b66dad';

let server: Server;
let base = '';
let signKey: CryptoKey;

before(async () => {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  signKey = privateKey;
  const jwk = { ...(await exportJWK(publicKey)), kid: 'mt', alg: 'RS256', use: 'sig' };
  server = createServer((req, res) => {
    const body =
      req.url === '/organizations/v2.0/.well-known/openid-configuration'
        ? { issuer: `${base}/{tenantid}/v2.0`, jwks_uri: `${base}/keys` }
        : req.url === '/keys'
          ? { keys: [jwk] }
          : undefined;
    res.writeHead(body ? 200 : 404, { 'content-type': 'application/json' }).end(JSON.stringify(body ?? {}));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => {
  server.closeAllConnections();
  server.close();
});

/** A daemon's app token from `tid`, with both app permissions, as Entra issues it. */
function appToken(tid: string): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({
    iss: `${base}/${tid}/v2.0`,
    aud: 'api://todo',
    tid,
    sub: `daemon-${tid}`,
    oid: `daemon-${tid}`,
    azp: `app-${tid}`,
    idtyp: 'app',
    ver: '2.0',
    roles: ['ToDoList.Read.All', 'ToDoList.ReadWrite.All'],
    iat: now,
    exp: now + 600,
  })
    .setProtectedHeader({ alg: 'RS256', kid: 'mt', typ: 'JWT' })
    .sign(signKey);
}

function exitWithin(proc: RunningProcess, ms: number): Promise<number | string> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<string>((done) => {
    timer = setTimeout(() => done('still running'), ms);
  });
  return Promise.race([proc.exited, deadline]).finally(() => clearTimeout(timer));
}

async function startApi(tenants: string | undefined) {
  const work = tempDir('todo-mt-');
  const port = await freePortBlock();
  const proc = run(['scripts/start.ts'], {
    PORT: String(port),
    AUTH_ISSUER: undefined,
    AUTH_METADATA_URL: `${base}/organizations/v2.0/.well-known/openid-configuration`,
    AUTH_TENANTS: tenants,
    DATABASE_URL: `sqlite:${work.path}/todos.db`,
  });
  return {
    proc,
    api: `http://127.0.0.1:${port}`,
    stop: async () => {
      await proc.stop();
      proc.killGroup();
      work.remove();
    },
  };
}

describe('multi-tenant issuer (AUTH_METADATA_URL on organizations)', () => {
  for (const [tenants, why] of [
    [undefined, 'without AUTH_TENANTS'],
    ['contoso', 'with a non-GUID AUTH_TENANTS'],
  ] as const) {
    it(`does not start ${why}: one line naming AUTH_TENANTS`, async () => {
      const { proc, stop } = await startApi(tenants);
      try {
        assert.equal(await exitWithin(proc, 60_000), 1, proc.output());
        const lines = proc.output().trim().split('\n');
        assert.equal(lines.length, 1, proc.output());
        assert.match(lines[0] ?? '', /AUTH_TENANTS/);
      } finally {
        await stop();
      }
    });
  }

  it('with AUTH_TENANTS, a foreign tenant app cannot read the items; the listed tenant can', async () => {
    const { api, proc, stop } = await startApi(HOME);
    try {
      await waitForReady(proc, `${api}/ready`, 'the API');
      assert.equal((await http('GET', `${api}/api/todos`, { token: await appToken(HOME) })).status, 200);
      const foreign = await http('GET', `${api}/api/todos`, { token: await appToken(FOREIGN) });
      assert.equal(foreign.status, 401);
      assert.match(foreign.headers.get('www-authenticate') ?? '', /invalid_token/);
    } finally {
      await stop();
    }
  });

  it('AUTH_TENANTS=* accepts any tenant, and the log says so', async () => {
    const { api, proc, stop } = await startApi('*');
    try {
      await waitForReady(proc, `${api}/ready`, 'the API');
      assert.equal((await http('GET', `${api}/api/todos`, { token: await appToken(FOREIGN) })).status, 200);
      assert.match(proc.output(), /ANY tenant/);
    } finally {
      await stop();
    }
  });
});
