import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
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
