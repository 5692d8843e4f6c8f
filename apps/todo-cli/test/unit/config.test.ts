import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { type ConfigInput, DEV_DEFAULTS, readDotEnv, resolveConfig } from '../../src/config.ts';
import { CliError, EXIT } from '../../src/errors.ts';

function input(partial: Partial<ConfigInput> = {}): ConfigInput {
  return { flags: {}, env: {}, dotenv: {}, cwd: '/work', ...partial };
}

function refused(partial: Partial<ConfigInput>, message: RegExp): void {
  assert.throws(
    () => resolveConfig(input(partial)),
    (error: unknown) =>
      error instanceof CliError && error.exitCode === EXIT.usage && message.test(error.message),
  );
}

test('with nothing configured, the development system: todo-daemon and its published secret', () => {
  const config = resolveConfig(input());
  assert.equal(config.authority.href, `${DEV_DEFAULTS.authority}/`);
  assert.equal(config.apiUrl.href, `${DEV_DEFAULTS.apiUrl}/`);
  assert.equal(config.clientId, 'todo-daemon');
  assert.deepEqual(config.credential, { kind: 'secret', secret: 'dev-daemon-secret' });
  assert.equal(config.scope, 'api://todo/.default');
  assert.equal(config.sources.credential, 'default');
});

test('flags win over the environment, which wins over .env', () => {
  const config = resolveConfig(
    input({
      flags: { apiUrl: 'http://127.0.0.1:4000' },
      env: { TODO_API_URL: 'http://127.0.0.1:5000', TODO_SCOPE: 'api://env/.default' },
      dotenv: {
        TODO_API_URL: 'http://127.0.0.1:6000',
        TODO_SCOPE: 'api://file/.default',
        TODO_CLIENT_ID: 'from-file',
        TODO_CLIENT_SECRET: 's',
      },
    }),
  );
  assert.equal(config.apiUrl.port, '4000');
  assert.equal(config.sources.apiUrl, '--api-url');
  assert.equal(config.scope, 'api://env/.default');
  assert.equal(config.clientId, 'from-file');
  assert.equal(config.sources.clientId, 'TODO_CLIENT_ID in .env');
});

test('TODO_AUTHORITY, else AUTH_ISSUER; a remote issuer needs a client id and a credential', () => {
  assert.equal(
    resolveConfig(input({ env: { AUTH_ISSUER: 'http://localhost:4001' } })).authority.port,
    '4001',
  );
  const both = resolveConfig(
    input({ env: { AUTH_ISSUER: 'http://localhost:4001', TODO_AUTHORITY: 'http://localhost:4002' } }),
  );
  assert.equal(both.authority.port, '4002');

  const remote = { TODO_AUTHORITY: 'https://contoso.ciamlogin.com/contoso.onmicrosoft.com/v2.0' };
  refused({ env: remote }, /TODO_CLIENT_ID \(or --client-id\) is required/);
  refused({ env: { ...remote, TODO_CLIENT_ID: 'todo-daemon' } }, /client todo-daemon needs a credential/);
  const entra = resolveConfig(
    input({ env: { ...remote, TODO_CLIENT_ID: 'abc', TODO_CLIENT_SECRET: 'shh' } }),
  );
  assert.deepEqual(entra.credential, { kind: 'secret', secret: 'shh' });
});

test('private_key_jwt: the key path (and certificate) resolve against the working directory', () => {
  const config = resolveConfig(
    input({
      flags: { privateKey: 'keys/daemon.pem', certificate: '/etc/daemon.crt' },
      env: { TODO_CLIENT_ID: 'd' },
    }),
  );
  assert.deepEqual(config.credential, {
    kind: 'private_key_jwt',
    keyFile: '/work/keys/daemon.pem',
    certificateFile: '/etc/daemon.crt',
  });
  refused(
    { env: { TODO_CLIENT_SECRET: 's', TODO_PRIVATE_KEY: 'k.pem' } },
    /either TODO_CLIENT_SECRET or TODO_PRIVATE_KEY/,
  );
  refused({ env: { TODO_CERTIFICATE: 'c.pem' } }, /TODO_CERTIFICATE needs TODO_PRIVATE_KEY/);
});

test('URLs: http(s) only, plain http only on loopback, errors name their source', () => {
  refused({ env: { TODO_API_URL: 'ftp://127.0.0.1' } }, /^TODO_API_URL must be an absolute http\(s\) URL/);
  refused({ dotenv: { TODO_API_URL: 'http://api.example.com' } }, /^TODO_API_URL in \.env must use https/);
  refused({ flags: { authority: 'http://idp.example.com' } }, /^--authority must use https/);
  refused({ env: { TODO_API_URL: 'https://user:pw@api.example.com' } }, /TODO_API_URL must be an absolute/);
  refused({ env: { TODO_SCOPE: '   ' } }, /TODO_SCOPE must name at least one scope/);
  for (const loopback of ['http://localhost:1', 'http://127.0.0.2:1', 'http://[::1]:1']) {
    assert.equal(resolveConfig(input({ env: { TODO_API_URL: loopback } })).apiUrl.protocol, 'http:');
  }
});

test('plain http to a *.localhost name is refused: it goes to DNS, not necessarily to this machine', () => {
  for (const named of [
    'http://api.localhost:1',
    'http://localhost.evil.example:1',
    'http://127.0.0.1.nip.io:1',
  ])
    refused({ env: { TODO_API_URL: named } }, /^TODO_API_URL must use https/);
  refused({ flags: { authority: 'http://idp.localhost:3001' } }, /^--authority must use https/);
});

test("readDotEnv: Node's own .env syntax; a missing file is no configuration", () => {
  const dir = mkdtempSync(join(tmpdir(), 'todo-cli-env-'));
  try {
    assert.deepEqual(readDotEnv(dir), {});
    writeFileSync(
      join(dir, '.env'),
      '# comment\nTODO_CLIENT_ID=abc\nexport TODO_SCOPE="api://x/.default"\nEMPTY=\n',
    );
    const parsed = readDotEnv(dir);
    assert.equal(parsed.TODO_CLIENT_ID, 'abc');
    assert.equal(parsed.TODO_SCOPE, 'api://x/.default');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--tls-cert/--tls-key (or TODO_TLS_*): mutual TLS, todo-daemon-mtls on the dev IdP, the pair as the credential', () => {
  const https = { TODO_AUTHORITY: 'https://localhost:3001', TODO_API_URL: 'https://127.0.0.1:3000' };
  const config = resolveConfig(
    input({ flags: { tlsCert: 'certs/client.pem', tlsKey: '/keys/client.key.pem' }, env: https }),
  );
  assert.deepEqual(config.tls, { certFile: '/work/certs/client.pem', keyFile: '/keys/client.key.pem' });
  assert.equal(config.clientId, DEV_DEFAULTS.mtlsClientId);
  assert.deepEqual(config.credential, { kind: 'tls_client_auth' });
  assert.equal(config.sources.credential, '--tls-cert');

  // A secret still authenticates; the certificate then only binds the token.
  const withSecret = resolveConfig(
    input({
      env: {
        ...https,
        TODO_TLS_CERT: 'c.pem',
        TODO_TLS_KEY: 'k.pem',
        TODO_CLIENT_ID: 'd',
        TODO_CLIENT_SECRET: 's',
      },
    }),
  );
  assert.deepEqual(withSecret.credential, { kind: 'secret', secret: 's' });
  assert.equal(withSecret.tls?.certFile, '/work/c.pem');
  assert.equal(resolveConfig(input()).tls, undefined);
});

test('mutual TLS needs both files and https to the IdP and the API', () => {
  const https = { TODO_AUTHORITY: 'https://localhost:3001', TODO_API_URL: 'https://127.0.0.1:3000' };
  refused({ flags: { tlsCert: 'c.pem' }, env: https }, /^--tls-cert needs TODO_TLS_KEY/);
  refused({ env: { ...https, TODO_TLS_KEY: 'k.pem' } }, /^TODO_TLS_KEY needs TODO_TLS_CERT/);
  refused(
    { flags: { tlsCert: 'c.pem', tlsKey: 'k.pem' }, env: { TODO_AUTHORITY: 'https://localhost:3001' } },
    /^default must use https with a TLS client certificate/,
  );
  refused(
    { flags: { tlsCert: 'c.pem', tlsKey: 'k.pem' }, env: { TODO_API_URL: 'https://127.0.0.1:3000' } },
    /^default must use https with a TLS client certificate/,
  );
});
