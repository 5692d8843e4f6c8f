import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TestIssuer } from 'gatehouse-test-support/issuer';
import { ConfigurationError, createGatehouse } from '../../src/index.ts';
import {
  auth0,
  cognito,
  externalId,
  keycloak,
  namespacedClaim,
  oidc,
  okta,
} from '../../src/providers/index.ts';
import { accepted, CLIENT, refused, TENANT } from './helpers.ts';

describe('providers: External ID, Auth0, Keycloak, Okta, Cognito, generic OIDC', () => {
  let idp: TestIssuer;
  before(async () => {
    idp = await TestIssuer.start(['RS256', 'ES256']);
  });
  after(() => idp.close());

  it('External ID: the tenant-GUID host form of the ciamlogin.com issuer', async () => {
    const iss = `${idp.url}/${TENANT}/v2.0`;
    idp.publish(`/${TENANT}/v2.0/.well-known/openid-configuration`, iss);
    const gh = createGatehouse(externalId({ tenantId: TENANT, clientId: CLIENT, instance: idp.url }));
    await accepted(gh, await idp.sign({ iss, aud: CLIENT, ver: '2.0', tid: TENANT }));
    await refused(gh, await idp.sign({ iss, aud: CLIENT, ver: '1.0', tid: TENANT }), 'ERR_TOKEN_CLAIM');
    const issuers = externalId({ tenantId: TENANT, subdomain: 'contoso', clientId: CLIENT }).issuers.map(
      (i) => i.issuer,
    );
    assert.deepEqual(issuers, [
      `https://${TENANT}.ciamlogin.com/${TENANT}/v2.0`,
      `https://contoso.ciamlogin.com/${TENANT}/v2.0`,
    ]);
  });

  it('Auth0: trailing-slash issuer, scope and RBAC permissions both read, namespaced claims', async () => {
    const iss = `${idp.url}/`;
    idp.publish('/.well-known/openid-configuration', iss);
    const gh = createGatehouse(
      auth0({ domain: 'example.eu.auth0.com', instance: idp.url, audience: 'https://api.example.com' }),
    );
    const p = await accepted(
      gh,
      await idp.sign(
        {
          iss,
          aud: ['https://api.example.com', `${idp.url}/userinfo`],
          scope: 'openid read:timesheets',
          permissions: ['create:timesheets'],
          sub: 'auth0|123',
          'https://api.exampleco.com/email': 'a@example.com',
        },
        { omit: ['scp', 'oid', 'tid', 'azp'], header: { typ: 'JWT' } },
      ),
    );
    assert.deepEqual(p.scopes, ['openid', 'read:timesheets', 'create:timesheets']);
    assert.equal(p.subject, 'auth0|123');
    assert.equal(namespacedClaim(p.claims, 'https://api.exampleco.com', 'email'), 'a@example.com');
    await refused(
      gh,
      await idp.sign({ iss: idp.url, aud: 'https://api.example.com' }),
      'ERR_TOKEN_ISSUER',
      /trailing slash/,
    );
  });

  it('Keycloak: realm and client roles; ID tokens and tokens for another client refused', async () => {
    const iss = `${idp.url}/realms/demo`;
    idp.publish('/realms/demo/.well-known/openid-configuration', iss);
    const gh = createGatehouse(keycloak({ url: idp.url, realm: 'demo', clientId: 'todo-api' }));
    const base = {
      iss,
      aud: ['todo-api', 'account'],
      typ: 'Bearer',
      azp: 'spa',
      realm_access: { roles: ['user'] },
      resource_access: { 'todo-api': { roles: ['todo.write'] }, account: { roles: ['manage-account'] } },
    };
    const p = await accepted(gh, await idp.sign(base, { omit: ['scp', 'oid', 'tid'] }));
    assert.deepEqual(p.roles, ['user', 'todo.write']);
    await refused(gh, await idp.sign({ ...base, typ: 'ID' }), 'ERR_TOKEN_CLAIM', /not an access token/);
    await refused(gh, await idp.sign({ ...base, aud: 'account' }), 'ERR_TOKEN_AUDIENCE');
  });

  it('Okta: scp array, cid, uid as subject; the org authorization server is refused at construction', async () => {
    const iss = `${idp.url}/oauth2/default`;
    idp.publish('/oauth2/default/.well-known/openid-configuration', iss);
    const gh = createGatehouse(okta({ issuer: iss }));
    const p = await accepted(
      gh,
      await idp.sign(
        {
          iss,
          aud: 'api://default',
          scp: ['todo.read', 'openid'],
          cid: '0oa1',
          uid: '00u1',
          sub: 'alice@example.com',
        },
        { omit: ['oid', 'azp'] },
      ),
    );
    assert.equal(p.subject, '00u1');
    assert.equal(p.clientId, '0oa1');
    assert.deepEqual(p.scopes, ['todo.read', 'openid']);
    assert.throws(() => okta({ issuer: 'https://dev-1.okta.com' }), ConfigurationError);
  });

  it('Cognito: no aud, client_id checked, token_use access required (an ID token is refused)', async () => {
    const iss = `${idp.url}/us-east-1_Pool1`;
    idp.publish('/us-east-1_Pool1/.well-known/openid-configuration', iss);
    const gh = createGatehouse(
      cognito({
        region: 'us-east-1',
        userPoolId: 'us-east-1_Pool1',
        clientId: 'app-client-1',
        instance: idp.url,
      }),
    );
    const access = {
      iss,
      client_id: 'app-client-1',
      token_use: 'access',
      scope: 'aws.cognito.signin.user.admin todo/read',
      'cognito:groups': ['admins'],
      sub: 'u-1',
    };
    const p = await accepted(
      gh,
      await idp.sign(access, { omit: ['aud', 'oid', 'tid', 'scp', 'azp'], header: { typ: undefined } }),
    );
    assert.deepEqual(p.roles, ['admins']);
    assert.equal(p.clientId, 'app-client-1');
    await refused(
      gh,
      await idp.sign({ ...access, client_id: 'other-client' }, { omit: ['aud'] }),
      'ERR_TOKEN_AUDIENCE',
    );
    await refused(
      gh,
      await idp.sign({ iss, aud: 'app-client-1', token_use: 'id', sub: 'u-1' }, { omit: ['scp'] }),
      'ERR_TOKEN_AUDIENCE',
    );
    await refused(
      gh,
      await idp.sign({ ...access, token_use: 'id' }, { omit: ['aud'] }),
      'ERR_TOKEN_CLAIM',
      /token_use/,
    );
  });

  it('generic OIDC: any issuer by discovery', async () => {
    idp.documents.delete('/.well-known/openid-configuration');
    const gh = createGatehouse(oidc({ issuer: idp.url, audience: idp.audience }));
    await accepted(gh, await idp.sign());
  });
});
