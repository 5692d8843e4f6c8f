import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TestIssuer } from 'gatehouse-test-support/issuer';
import { createGatehouse } from '../../src/index.ts';
import { auth0, entra, trust } from '../../src/providers/index.ts';
import { accepted, CLIENT, refused, TENANT } from './helpers.ts';

describe('multi-issuer: one guard, each token routed by its iss', () => {
  let microsoft: TestIssuer;
  let other: TestIssuer;
  let attacker: TestIssuer;
  before(async () => {
    [microsoft, other, attacker] = await Promise.all([
      TestIssuer.start(['RS256']),
      TestIssuer.start(['ES256']),
      TestIssuer.start(['RS256']),
    ]);
    microsoft.publish(`/${TENANT}/v2.0/.well-known/openid-configuration`, `${microsoft.url}/${TENANT}/v2.0`);
    other.publish('/.well-known/openid-configuration', `${other.url}/`);
  });
  after(async () => {
    await Promise.all([microsoft.close(), other.close(), attacker.close()]);
  });

  const gatehouse = () =>
    createGatehouse(
      trust(
        entra({ tenantId: TENANT, clientId: CLIENT, instance: microsoft.url }),
        auth0({ domain: 'example.auth0.com', instance: other.url, audience: 'https://api.example.com' }),
      ),
    );

  it('trusts Entra and Auth0 at once, each with its own keys and claim rules', async () => {
    const gh = gatehouse();
    const ms = await accepted(
      gh,
      await microsoft.sign({ iss: `${microsoft.url}/${TENANT}/v2.0`, aud: CLIENT, ver: '2.0', tid: TENANT }),
    );
    assert.equal(ms.issuer, `${microsoft.url}/${TENANT}/v2.0`);
    const a0 = await accepted(
      gh,
      await other.sign(
        { iss: `${other.url}/`, aud: 'https://api.example.com', permissions: ['read:x'] },
        { omit: ['scp'], alg: 'ES256' },
      ),
    );
    assert.deepEqual(a0.scopes, ['read:x']);
    assert.equal(gh.status().issuers.length, 2);
  });

  it('refuses an iss on no list before any network call: the attacker-named server gets no request', async () => {
    const gh = gatehouse();
    await refused(
      gh,
      await attacker.sign({ iss: attacker.url, aud: CLIENT }),
      'ERR_TOKEN_ISSUER',
      /not one of the trusted issuers/,
    );
    await refused(
      gh,
      await attacker.sign({ iss: `${attacker.url}/${TENANT}/v2.0`, aud: CLIENT }),
      'ERR_TOKEN_ISSUER',
    );
    assert.deepEqual(attacker.requests, []);
  });

  it("refuses a token naming one trusted issuer but signed with another's key", async () => {
    const gh = gatehouse();
    await refused(
      gh,
      await microsoft.sign({ iss: `${other.url}/`, aud: 'https://api.example.com' }),
      'ERR_TOKEN_UNKNOWN_KEY',
    );
  });

  it('refuses a token without iss', async () => {
    await refused(gatehouse(), await microsoft.sign({}, { omit: ['iss'] }), 'ERR_TOKEN_ISSUER');
  });
});
