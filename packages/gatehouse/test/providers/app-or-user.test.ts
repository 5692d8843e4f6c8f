import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { TestIssuer } from 'gatehouse-test-support/issuer';
import { createGatehouse } from '../../src/index.ts';
import { auth0, cognito, entra, okta } from '../../src/providers/index.ts';
import { accepted, CLIENT, TENANT } from './helpers.ts';

describe('presets tell an app from a user only by claims a user cannot choose', () => {
  let idp: TestIssuer;
  before(async () => {
    idp = await TestIssuer.start(['RS256']);
  });
  after(() => idp.close());

  test('Okta: a user whose login equals a client id is not an application', async () => {
    const iss = `${idp.url}/oauth2/default`;
    idp.publish('/oauth2/default/.well-known/openid-configuration', iss);
    const gh = createGatehouse(okta({ issuer: iss }));
    const sign = (claims: Record<string, unknown>) =>
      idp.sign({ iss, aud: 'api://default', scp: ['todo.read'], ...claims }, { omit: ['oid', 'azp', 'tid'] });
    const app = await accepted(gh, await sign({ sub: '0oa1daemon', cid: '0oa1daemon' }));
    assert.equal(app.isApp, true);
    const user = await accepted(gh, await sign({ sub: '0oa1daemon', cid: '0oa1daemon', uid: '00u1eve' }));
    assert.equal(user.isApp, false);
    gh.close();
  });

  test('Auth0: gty client-credentials with a user subject is not an application', async () => {
    const iss = `${idp.url}/`;
    idp.publish('/.well-known/openid-configuration', iss);
    const gh = createGatehouse(
      auth0({ domain: 'example.eu.auth0.com', instance: idp.url, audience: 'https://api.example.com' }),
    );
    const sign = (claims: Record<string, unknown>) =>
      idp.sign(
        { iss, aud: 'https://api.example.com', scope: 'read', ...claims },
        { omit: ['scp', 'oid', 'tid'] },
      );
    const app = await accepted(
      gh,
      await sign({ gty: 'client-credentials', azp: 'Daemon1', sub: 'Daemon1@clients' }),
    );
    assert.equal(app.isApp, true);
    const user = await accepted(
      gh,
      await sign({ gty: 'client-credentials', azp: 'Spa1', sub: 'auth0|eve@clients' }),
    );
    assert.equal(user.isApp, false);
    gh.close();
  });

  test('Cognito: a token naming a user (username) is not an application even when sub equals client_id', async () => {
    const iss = `${idp.url}/us-east-1_Pool2`;
    idp.publish('/us-east-1_Pool2/.well-known/openid-configuration', iss);
    const gh = createGatehouse(
      cognito({
        region: 'us-east-1',
        userPoolId: 'us-east-1_Pool2',
        clientId: 'appclient1',
        instance: idp.url,
      }),
    );
    const sign = (claims: Record<string, unknown>) =>
      idp.sign(
        { iss, client_id: 'appclient1', token_use: 'access', scope: 'todo/read', ...claims },
        { omit: ['aud', 'oid', 'tid', 'scp', 'azp'] },
      );
    const app = await accepted(gh, await sign({ sub: 'appclient1' }));
    assert.equal(app.isApp, true);
    const user = await accepted(gh, await sign({ sub: 'appclient1', username: 'appclient1' }));
    assert.equal(user.isApp, false);
    gh.close();
  });

  test('Entra: a user token with roles and no scp (oid differs from sub) is not an application', async () => {
    const iss = `${idp.url}/${TENANT}/v2.0`;
    idp.publish(`/${TENANT}/v2.0/.well-known/openid-configuration`, iss);
    const gh = createGatehouse(entra({ tenantId: TENANT, clientId: CLIENT, instance: idp.url }));
    const sign = (claims: Record<string, unknown>) =>
      idp.sign(
        { iss, aud: CLIENT, ver: '2.0', tid: TENANT, roles: ['ToDoList.Read.All'], ...claims },
        {
          omit: ['scp'],
        },
      );
    const spOid = '00000000-0000-0000-0000-0000000000b7';
    const app = await accepted(gh, await sign({ oid: spOid, sub: spOid }));
    assert.equal(app.isApp, true);
    const user = await accepted(
      gh,
      await sign({ oid: '00000000-0000-0000-0000-0000000000a1', sub: 'pairwise-eve' }),
    );
    assert.equal(user.isApp, false);
    const marked = await accepted(gh, await sign({ oid: spOid, sub: spOid, idtyp: 'user' }));
    assert.equal(marked.isApp, false);
    gh.close();
  });
});
