import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import { loadConfig } from '../src/config.ts';
import { ConfigError } from '../src/config-error.ts';

const base = { AUTH_ISSUER: 'http://127.0.0.1:3001' };

function failsOn(env: Record<string, string>, variable: string, pattern?: RegExp): void {
  assert.throws(
    () => loadConfig({ ...base, ...env }),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError, String(error));
      assert.equal(error.variable, variable);
      assert.ok(error.message.startsWith(variable), error.message);
      assert.ok(!error.message.includes('\n'), 'one line');
      if (pattern) assert.match(error.message, pattern);
      return true;
    },
  );
}

describe('loadConfig', () => {
  it('has documented defaults', () => {
    const config = loadConfig(base);
    assert.equal(config.port, 3000);
    assert.equal(config.host, '127.0.0.1');
    assert.deepEqual(config.auth, {
      issuer: 'http://127.0.0.1:3001',
      metadataUrl: undefined,
      audience: ['api://todo'],
    });
    assert.deepEqual(config.database, {
      kind: 'sqlite',
      path: resolve('data/todos.db'),
      url: 'sqlite:./data/todos.db',
      display: 'sqlite:./data/todos.db',
    });
    assert.deepEqual(config.rateLimit, { enabled: true, points: 600, durationSeconds: 60 });
    assert.deepEqual(config.corsOrigins, []);
    assert.equal(config.logLevel, 'info');
    assert.equal(config.bodyLimit, 64 * 1024);
  });

  it('reads every variable', () => {
    const config = loadConfig({
      PORT: '8080',
      HOST: '0.0.0.0',
      AUTH_METADATA_URL:
        'https://login.example.com/tenant/v2.0/.well-known/openid-configuration?p=b2c_1_signin',
      AUTH_AUDIENCE: 'api://todo, 00000000-0000-0000-0000-000000000001',
      DATABASE_URL: 'sqlite:/tmp/x/todos.db',
      REDIS_URL: 'redis://127.0.0.1:6379',
      RATE_LIMIT: '5/10',
      CORS_ORIGINS: 'http://localhost:3002, https://app.example.com/',
      LOG_LEVEL: 'warn',
    });
    assert.equal(config.port, 8080);
    assert.equal(config.host, '0.0.0.0');
    assert.equal(config.auth.issuer, undefined);
    assert.match(config.auth.metadataUrl ?? '', /\?p=b2c_1_signin$/);
    assert.deepEqual(config.auth.audience, ['api://todo', '00000000-0000-0000-0000-000000000001']);
    assert.deepEqual(config.database, {
      kind: 'sqlite',
      path: '/tmp/x/todos.db',
      url: 'sqlite:/tmp/x/todos.db',
      display: 'sqlite:/tmp/x/todos.db',
    });
    assert.equal(config.redisUrl, 'redis://127.0.0.1:6379');
    assert.deepEqual(config.rateLimit, { enabled: true, points: 5, durationSeconds: 10 });
    assert.deepEqual(config.corsOrigins, ['http://localhost:3002', 'https://app.example.com']);
    assert.equal(config.logLevel, 'warn');
  });

  it('puts the default database under DATA_DIR', () => {
    assert.equal(
      loadConfig({ ...base, DATA_DIR: '/tmp/somewhere/' }).database.url,
      'sqlite:/tmp/somewhere/todos.db',
    );
  });

  it('reads a PostgreSQL URL and never shows its password', () => {
    for (const scheme of ['postgres', 'postgresql']) {
      const url = `${scheme}://todo:s3cret@db.internal:5432/todos?options=-c%20search_path%3Dtodo`;
      const { database } = loadConfig({ ...base, DATABASE_URL: url });
      assert.equal(database.kind, 'postgres');
      assert.equal(database.url, url);
      assert.equal(
        database.display,
        `${scheme}://todo:*****@db.internal:5432/todos?options=-c%20search_path%3Dtodo`,
      );
    }
    const bare = loadConfig({ ...base, DATABASE_URL: 'postgres://127.0.0.1/test' }).database;
    assert.equal(bare.display, 'postgres://127.0.0.1/test');
  });

  it('turns rate limiting off', () => {
    assert.deepEqual(loadConfig({ ...base, RATE_LIMIT: 'off' }).rateLimit, { enabled: false });
  });

  it('refuses bad values, naming the variable', () => {
    failsOn({ PORT: 'abc' }, 'PORT');
    failsOn({ PORT: '70000' }, 'PORT');
    failsOn({ HOST: 'a b' }, 'HOST');
    failsOn({ AUTH_ISSUER: 'not a url' }, 'AUTH_ISSUER');
    failsOn({ AUTH_ISSUER: 'http://idp.example.com' }, 'AUTH_ISSUER', /https/);
    failsOn({ AUTH_METADATA_URL: 'ftp://x' }, 'AUTH_METADATA_URL');
    failsOn({ AUTH_AUDIENCE: ' , ' }, 'AUTH_AUDIENCE');
    failsOn({ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL');
    failsOn({ DATABASE_URL: 'postgres://u:secret@[oops/todos' }, 'DATABASE_URL', /^(?!.*secret)/);
    failsOn({ REDIS_URL: 'localhost:6379' }, 'REDIS_URL');
    failsOn({ RATE_LIMIT: 'lots' }, 'RATE_LIMIT');
    failsOn({ RATE_LIMIT: '0/60' }, 'RATE_LIMIT');
    failsOn({ CORS_ORIGINS: '*' }, 'CORS_ORIGINS');
    failsOn({ CORS_ORIGINS: 'http://a.example.com/path' }, 'CORS_ORIGINS');
    failsOn({ LOG_LEVEL: 'loud' }, 'LOG_LEVEL');
  });

  it('requires an issuer or metadata URL unless told otherwise', () => {
    assert.throws(
      () => loadConfig({}),
      (e: unknown) => e instanceof ConfigError && e.variable === 'AUTH_ISSUER',
    );
    assert.equal(loadConfig({}, { requireAuth: false }).auth.issuer, undefined);
  });
});

describe('TRUST_PROXY', () => {
  it('is off by default and reads booleans, hop counts and address lists', () => {
    assert.equal(loadConfig(base).trustProxy, false);
    assert.equal(loadConfig({ ...base, TRUST_PROXY: 'TRUE' }).trustProxy, true);
    assert.equal(loadConfig({ ...base, TRUST_PROXY: '2' }).trustProxy, 2);
    assert.deepEqual(loadConfig({ ...base, TRUST_PROXY: '10.0.0.0/8, 127.0.0.1,::1' }).trustProxy, [
      '10.0.0.0/8',
      '127.0.0.1',
      '::1',
    ]);
  });

  it('refuses anything else, naming the variable', () => {
    for (const bad of ['yes', '10.0.0.0/33', 'proxy.internal', '1.2.3.4/8/2', '::1/129']) {
      failsOn({ TRUST_PROXY: bad }, 'TRUST_PROXY');
    }
  });
});

describe('loadConfig: TLS and certificate-bound tokens (RFC 8705)', () => {
  it('serves plain http and reads no proxy header unless told', () => {
    const config = loadConfig(base);
    assert.equal(config.tls, undefined);
    assert.equal(config.mtls, undefined);
  });

  it('TLS_CERT and TLS_KEY together: files resolved against the working directory', () => {
    const config = loadConfig({ ...base, TLS_CERT: 'certs/api.pem', TLS_KEY: ' /etc/api/key.pem ' });
    assert.deepEqual(config.tls, { certFile: resolve('certs/api.pem'), keyFile: '/etc/api/key.pem' });
    failsOn({ TLS_CERT: 'api.pem' }, 'TLS_KEY', /must be set with TLS_CERT/);
    failsOn({ TLS_KEY: 'api.key' }, 'TLS_CERT', /must be set with TLS_KEY/);
  });

  it('AUTH_MTLS_CERT_HEADER, with AUTH_MTLS_TRUSTED_PROXIES (addresses, CIDRs or *)', () => {
    assert.deepEqual(loadConfig({ ...base, AUTH_MTLS_CERT_HEADER: 'X-Client-Cert' }).mtls, {
      certificateHeader: 'X-Client-Cert',
    });
    const config = loadConfig({
      ...base,
      AUTH_MTLS_CERT_HEADER: 'X-Client-Cert',
      AUTH_MTLS_TRUSTED_PROXIES: '10.0.0.5, 192.168.0.0/16,fd00::/8',
    });
    assert.deepEqual(config.mtls?.trustedProxies, ['10.0.0.5', '192.168.0.0/16', 'fd00::/8']);
    failsOn({ AUTH_MTLS_CERT_HEADER: 'X Client Cert' }, 'AUTH_MTLS_CERT_HEADER', /header name/);
    failsOn(
      { AUTH_MTLS_TRUSTED_PROXIES: '10.0.0.5' },
      'AUTH_MTLS_TRUSTED_PROXIES',
      /with AUTH_MTLS_CERT_HEADER/,
    );
    for (const bad of ['proxy.internal', '10.0.0.0/33', '10.0.0.1/8/8'])
      failsOn(
        { AUTH_MTLS_CERT_HEADER: 'X-Client-Cert', AUTH_MTLS_TRUSTED_PROXIES: bad },
        'AUTH_MTLS_TRUSTED_PROXIES',
        /proxy addresses\/CIDRs/,
      );
  });
});
