import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { flatten } from '../../../../scripts/options-table.ts';
import {
  DPOP_OPTIONS,
  INTROSPECTION_OPTIONS,
  ISSUER_OPTIONS,
  SHARED_OPTIONS,
} from '../../src/core/option-table.ts';
import { ConfigurationError, createGatehouse, type GatehouseOptions } from '../../src/index.ts';

const base = { issuer: 'https://login.example.com/tenant/v2.0', audience: 'api://x' };
const refused = (options: unknown, message: RegExp) =>
  assert.throws(
    () => createGatehouse(options as GatehouseOptions),
    (e: unknown) => e instanceof ConfigurationError && message.test(e.message),
  );

describe('options: checked once, at construction', () => {
  it('accepts https issuers and plain http only for loopback hosts', () => {
    createGatehouse(base);
    for (const issuer of [
      'http://localhost:3001',
      'http://127.0.0.1:1',
      'http://127.9.9.9',
      'http://[::1]:8080',
    ]) {
      createGatehouse({ ...base, issuer });
    }
    for (const issuer of [
      'http://idp.example.com',
      'http://10.0.0.1',
      'http://127.0.0.1.evil.com',
      // A subdomain of localhost goes to DNS on most resolvers (see url-policy.test.ts).
      'http://app.localhost',
      'ftp://x',
      'not a url',
    ]) {
      refused({ ...base, issuer }, /issuer/);
    }
    refused({ ...base, jwksUri: 'http://keys.example.com/jwks' }, /jwksUri/);
    refused({ audience: 'a', metadataUrl: 'http://b2c.example.com/x?p=y' }, /metadataUrl/);
  });

  it('needs an issuer, a metadata URL, or a JWKS URL with an issuer', () => {
    refused({ audience: 'a' }, /issuer/);
    refused({ audience: 'a', jwksUri: 'https://x/jwks' }, /issuer is required with jwksUri/);
    refused({ ...base, metadataUrl: 'https://x/m', jwksUri: 'https://x/jwks' }, /exclusive/);
  });

  it('needs at least one audience', () => {
    refused({ issuer: base.issuer }, /audience/);
    refused({ ...base, audience: [] }, /audience/);
    refused({ ...base, audience: [''] }, /audience/);
  });

  it('allows asymmetric algorithms only', () => {
    for (const alg of ['HS256', 'none', 'RSA-OAEP']) refused({ ...base, algorithms: [alg] }, /algorithms/);
  });

  it('bounds clock tolerance, cooldown (at most 30 s) and retry interval (at most 10 s)', () => {
    refused({ ...base, clockTolerance: -1 }, /clockTolerance/);
    refused({ ...base, clockTolerance: 3600 }, /clockTolerance/);
    refused({ ...base, keys: { cooldown: 60_000 } }, /keys.cooldown/);
    refused({ ...base, keys: { retryInterval: 60_000 } }, /keys.retryInterval/);
    assert.equal(createGatehouse(base).options.clockTolerance, 60);
    assert.equal(createGatehouse(base).options.keys.cooldown, 30_000);
  });

  it('rejects unknown options instead of ignoring them', () => {
    refused({ ...base, audiences: ['x'] }, /audiences is not a known option/);
  });
});

describe('options: every number is bounded and defaulted as the option table says', () => {
  // Members an object option needs besides the one under test.
  const around: Record<string, object> = {
    cache: { enabled: true },
    introspection: { clientId: 'api', clientSecret: 'secret' },
    'dpop.nonce': { secret: 'a secret of at least thirty-two characters' },
  };
  const withValue = (path: string, value: unknown): GatehouseOptions => {
    const names = path.split('.');
    let inner: Record<string, unknown> = value === undefined ? {} : { [names.at(-1)!]: value };
    for (let i = names.length - 1; i > 0; i--) {
      const parent = names.slice(0, i).join('.');
      inner = { [names[i - 1]!]: { ...around[parent], ...inner } };
    }
    return { ...base, ...inner } as GatehouseOptions;
  };
  const resolved = (path: string, value: unknown): unknown => {
    const options: unknown = createGatehouse(withValue(path, value)).options;
    const at = path.startsWith('introspection.') ? `issuers.0.${path}` : path;
    return at.split('.').reduce((o, name) => (o as Record<string, unknown>)[name], options);
  };
  const table = {
    ...ISSUER_OPTIONS,
    ...SHARED_OPTIONS,
    dpop: DPOP_OPTIONS,
    introspection: INTROSPECTION_OPTIONS,
  };
  const numbers = flatten(table).flatMap(([path, row]) =>
    row.kind === 'number' ? [[path, row] as const] : [],
  );

  it('covers every number option', () => {
    assert.deepEqual(
      numbers.map(([path]) => path),
      [
        'introspection.cacheMaxAge',
        'introspection.timeout',
        'clockTolerance',
        'maxTokenAge',
        'keys.timeout',
        'keys.cooldown',
        'keys.maxAge',
        'keys.metadataMaxAge',
        'keys.retryInterval',
        'keys.maxBytes',
        'cache.maxEntries',
        'cache.maxBytes',
        'dpop.iatWindow',
        'dpop.nonce.lifetime',
      ],
    );
  });

  for (const [path, row] of numbers) {
    it(`${path}: ${row.default} when absent, ${row.min} to ${row.max} accepted, outside refused`, () => {
      assert.equal(resolved(path, undefined), row.default);
      assert.equal(resolved(path, row.min), row.min);
      assert.equal(resolved(path, row.max), row.max);
      const message = new RegExp(
        `^gatehouse: ${path} must be a number (of seconds )?from ${row.min} to ${row.max}$`,
      );
      for (const bad of [row.min - 1, row.max + 1, Number.NaN, Number.POSITIVE_INFINITY, String(row.default)])
        refused(withValue(path, bad), message);
    });
  }
});
