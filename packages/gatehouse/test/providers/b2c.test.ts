import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TestIssuer } from 'gatehouse-test-support/issuer';
import { createGatehouse, GatehouseError } from '../../src/index.ts';
import { b2c, requirePolicy } from '../../src/providers/index.ts';
import { accepted, CLIENT, refused, TENANT } from './helpers.ts';

describe('providers: Azure AD B2C', () => {
  let idp: TestIssuer;
  let userIssuer: string;
  before(async () => {
    idp = await TestIssuer.start(['RS256']);
    userIssuer = `${idp.url}/${TENANT}/v2.0/`;
    for (const policy of ['B2C_1_signupsignin1', 'B2C_1_mfa']) {
      idp.publish(`/contoso.onmicrosoft.com/${policy}/v2.0/.well-known/openid-configuration`, userIssuer);
    }
    idp.publish('/contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration?p=B2C_1_edit', userIssuer);
    idp.publish(`/app/${TENANT}/v2.0/.well-known/openid-configuration`, `${idp.url}/app/${TENANT}/v2.0`);
  });
  after(() => idp.close());

  const gatehouse = (extra: Partial<Parameters<typeof b2c>[0]> = {}) =>
    createGatehouse(
      b2c({
        tenant: 'contoso',
        tenantId: TENANT,
        clientId: CLIENT,
        policies: ['B2C_1_signupsignin1', 'B2C_1_mfa'],
        instance: idp.url,
        ...extra,
      }),
    );
  const userToken = (policy: string, extra: Record<string, unknown> = {}) =>
    idp.sign(
      { iss: userIssuer, aud: CLIENT, ver: '1.0', tfp: policy, scp: 'demo.read', sub: 'b2c-user', ...extra },
      { omit: ['oid', 'tid'] },
    );

  it('accepts user-flow tokens of each configured policy and exposes the policy', async () => {
    const gh = gatehouse();
    assert.equal((await accepted(gh, await userToken('B2C_1_signupsignin1'))).policy, 'B2C_1_signupsignin1');
    assert.equal((await accepted(gh, await userToken('B2C_1_mfa'))).policy, 'B2C_1_mfa');
  });

  it('reads the policy from acr when tfp is absent (older tenants), case-insensitively', async () => {
    const p = await accepted(gatehouse(), await userToken('ignored', { tfp: undefined, acr: 'b2c_1_mfa' }));
    assert.equal(p.policy, 'b2c_1_mfa');
  });

  it('refuses a token from a policy that is not configured', async () => {
    await refused(
      gatehouse(),
      await userToken('B2C_1_other'),
      'ERR_TOKEN_ISSUER',
      /not one of the trusted issuers/,
    );
  });

  it("requirePolicy: the wrong policy is a 403, never also a 200 (the MFA route of Microsoft's B2C web API tutorial)", async () => {
    const gh = gatehouse();
    const mfa = requirePolicy('B2C_1_mfa');
    assert.equal(mfa.check(await accepted(gh, await userToken('B2C_1_mfa'))), undefined);
    const failure = mfa.check(await accepted(gh, await userToken('B2C_1_signupsignin1')));
    assert.ok(failure instanceof GatehouseError);
    assert.equal(failure.status, 403);
  });

  it('takes policies as metadata URLs too, including the ?p= form', async () => {
    const gh = gatehouse({
      policies: [`${idp.url}/contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration?p=B2C_1_edit`],
    });
    assert.equal((await accepted(gh, await userToken('B2C_1_edit'))).policy, 'B2C_1_edit');
  });

  it('accepts the tenant client-credentials tokens (login.microsoftonline.com issuer) only when configured', async () => {
    const app = await idp.sign(
      {
        iss: `${idp.url}/app/${TENANT}/v2.0`,
        aud: CLIENT,
        ver: '2.0',
        tid: TENANT,
        roles: ['demo.read.all'],
        idtyp: 'app',
      },
      { omit: ['scp'] },
    );
    await refused(gatehouse(), app, 'ERR_TOKEN_ISSUER');
    const both = gatehouse({ appTokens: true, appTokenInstance: `${idp.url}/app` });
    assert.equal((await accepted(both, app)).isApp, true);
    await accepted(both, await userToken('B2C_1_mfa'));
  });
});
