import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { TestIssuer } from 'gatehouse-test-support/issuer';
import { createGatehouse, type Gatehouse } from '../../src/index.ts';
import { keycloak } from '../../src/providers/index.ts';
import { accepted } from './helpers.ts';

// Claims as Keycloak writes them; the test issuer's Entra-style defaults are left out.
const NOT_KEYCLOAK = ['scp', 'oid', 'tid'];

describe('keycloak: service accounts are told from users by claims users cannot choose', () => {
  let idp: TestIssuer;
  let gh: Gatehouse;
  let iss: string;
  before(async () => {
    idp = await TestIssuer.start(['RS256']);
    iss = `${idp.url}/realms/demo`;
    idp.publish('/realms/demo/.well-known/openid-configuration', iss);
    gh = createGatehouse(keycloak({ url: idp.url, realm: 'demo', clientId: 'todo-api' }));
  });
  after(() => {
    gh.close();
    return idp.close();
  });

  const base = () => ({
    iss,
    aud: ['todo-api', 'account'],
    typ: 'Bearer',
    scope: 'profile email',
    realm_access: { roles: ['default-roles-demo'] },
    resource_access: { 'todo-api': { roles: ['todo.read', 'todo.write'] } },
  });
  const principal = async (claims: Record<string, unknown>) =>
    accepted(gh, await idp.sign({ ...base(), ...claims }, { omit: NOT_KEYCLOAK, header: { typ: 'JWT' } }));

  test('a service-account token of current Keycloak (client_id, clientHost, clientAddress) is an application', async () => {
    const p = await principal({
      sub: '6a5d1c3e-0000-4000-8000-000000000001',
      azp: 'todo-daemon',
      client_id: 'todo-daemon',
      clientHost: '10.0.0.7',
      clientAddress: '10.0.0.7',
      preferred_username: 'service-account-todo-daemon',
    });
    assert.equal(p.isApp, true);
  });

  test('a service-account token of older Keycloak (clientId, clientHost, clientAddress) is an application', async () => {
    const p = await principal({
      sub: '6a5d1c3e-0000-4000-8000-000000000002',
      azp: 'legacy-daemon',
      clientId: 'legacy-daemon',
      clientHost: '10.0.0.8',
      clientAddress: '10.0.0.8',
      session_state: 'b1c2',
      preferred_username: 'service-account-legacy-daemon',
    });
    assert.equal(p.isApp, true);
  });

  test('a user named service-account-eve is not an application', async () => {
    const p = await principal({
      sub: '6a5d1c3e-0000-4000-8000-0000000000e1',
      azp: 'todo-web',
      sid: 'a1b2',
      preferred_username: 'service-account-eve',
    });
    assert.equal(p.isApp, false);
  });

  test('a user whose email is their username (service-account-eve@evil.example) is not an application', async () => {
    const p = await principal({
      sub: '6a5d1c3e-0000-4000-8000-0000000000e2',
      azp: 'todo-web',
      sid: 'a1b3',
      preferred_username: 'service-account-eve@evil.example',
      email: 'service-account-eve@evil.example',
    });
    assert.equal(p.isApp, false);
  });

  test('a user token whose client_id names a client other than azp is not an application', async () => {
    const p = await principal({
      sub: '6a5d1c3e-0000-4000-8000-0000000000e3',
      azp: 'todo-web',
      client_id: 'todo-daemon',
      preferred_username: 'eve',
    });
    assert.equal(p.isApp, false);
  });

  test('a non-string or empty client id claim does not make an application', async () => {
    for (const client of [{ client_id: ['todo-web'] }, { clientId: '' }, { client_id: null }]) {
      const p = await principal({ sub: 'u-9', azp: 'todo-web', ...client });
      assert.equal(p.isApp, false, JSON.stringify(client));
    }
  });
});
