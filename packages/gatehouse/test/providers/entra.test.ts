import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TestIssuer } from 'gatehouse-test-support/issuer';
import { createGatehouse, GatehouseError } from '../../src/index.ts';
import { entra, entraMultiTenant } from '../../src/providers/index.ts';
import { accepted, CLIENT, OTHER_TENANT, refused, TENANT } from './helpers.ts';

describe('providers: Microsoft Entra ID', () => {
  let idp: TestIssuer;
  let v2: string;
  let v1: string;
  const userClaims = () => ({
    ver: '2.0',
    iss: v2,
    aud: CLIENT,
    tid: TENANT,
    azp: 'client-app',
    scp: 'ToDoList.Read',
  });
  before(async () => {
    idp = await TestIssuer.start(['RS256']);
    v2 = `${idp.url}/${TENANT}/v2.0`;
    v1 = `${idp.url}/sts/${TENANT}/`;
    idp.publish(`/${TENANT}/v2.0/.well-known/openid-configuration`, v2);
    idp.publish(`/${TENANT}/.well-known/openid-configuration`, v1);
    idp.publish('/organizations/v2.0/.well-known/openid-configuration', `${idp.url}/{tenantid}/v2.0`);
  });
  after(() => idp.close());

  const single = (extra: Partial<Parameters<typeof entra>[0]> = {}) =>
    createGatehouse(
      entra({
        tenantId: TENANT,
        clientId: CLIENT,
        instance: idp.url,
        v1Instance: `${idp.url}/sts`,
        ...extra,
      }),
    );

  it('accepts a v2 token for the client id, and reads oid, tid, azp, scp', async () => {
    const p = await accepted(single(), await idp.sign(userClaims()));
    assert.equal(p.tenant, TENANT);
    assert.equal(p.clientId, 'client-app');
    assert.deepEqual(p.scopes, ['ToDoList.Read']);
  });

  it('accepts an app token (roles, idtyp app) as an app', async () => {
    const p = await accepted(
      single(),
      await idp.sign({ ...userClaims(), roles: ['ToDoList.Read.All'], idtyp: 'app' }, { omit: ['scp'] }),
    );
    assert.equal(p.isApp, true);
    assert.deepEqual(p.roles, ['ToDoList.Read.All']);
  });

  it('refuses another tenant, another audience, and a Graph token with the reason', async () => {
    const gh = single();
    await refused(
      gh,
      await idp.sign({ ...userClaims(), iss: `${idp.url}/${OTHER_TENANT}/v2.0`, tid: OTHER_TENANT }),
      'ERR_TOKEN_ISSUER',
    );
    await refused(gh, await idp.sign({ ...userClaims(), aud: 'api://someone-else' }), 'ERR_TOKEN_AUDIENCE');
    await refused(
      gh,
      await idp.sign(
        { ...userClaims(), aud: '00000003-0000-0000-c000-000000000000' },
        { header: { nonce: 'abc' } },
      ),
      'ERR_TOKEN_AUDIENCE',
      /Microsoft Graph/,
    );
  });

  it('refuses a v1 token where only v2 is accepted, and says so', async () => {
    const token = await idp.sign({
      ...userClaims(),
      ver: '1.0',
      iss: v1,
      aud: `api://${CLIENT}`,
      appid: 'client-app',
    });
    await refused(single(), token, 'ERR_TOKEN_ISSUER');
    await refused(
      single(),
      await idp.sign({ ...userClaims(), ver: '1.0' }),
      'ERR_TOKEN_CLAIM',
      /version "1.0" where 2.0/,
    );
  });

  it('accepts v1 tokens (issuer sts.windows.net form, audience api://{clientId}) when configured', async () => {
    const gh = single({ versions: ['1.0', '2.0'] });
    const p = await accepted(
      gh,
      await idp.sign(
        { ...userClaims(), ver: '1.0', iss: v1, aud: `api://${CLIENT}`, appid: 'client-app' },
        { omit: ['azp'] },
      ),
    );
    assert.equal(p.clientId, 'client-app');
    await accepted(gh, await idp.sign(userClaims()));
  });

  it("checks the signing key's own issuer from the JWKS against the token's", async () => {
    idp.keyIssuer = `${idp.url}/{tenantid}/v2.0`;
    try {
      await accepted(single(), await idp.sign(userClaims()));
      // v1 and v2 tokens of one tenant share keys: the key's tenant is the token's tenant.
      const v1Token = await idp.sign({ ...userClaims(), ver: '1.0', iss: v1, aud: `api://${CLIENT}` });
      await accepted(single({ versions: ['1.0', '2.0'] }), v1Token);
      idp.keyIssuer = `${idp.url}/${OTHER_TENANT}/v2.0`;
      await refused(
        single(),
        await idp.sign(userClaims()),
        'ERR_TOKEN_ISSUER',
        /signing key .* belongs to issuer/,
      );
    } finally {
      idp.keyIssuer = undefined;
    }
  });

  describe('multi-tenant (organizations / common)', () => {
    // Accepting every tenant must now be said explicitly.
    const multi = (tenants: string[] | 'any' = 'any') =>
      createGatehouse(entraMultiTenant({ clientId: CLIENT, instance: idp.url, tenants }));
    const tokenFor = (tid: string, iss = `${idp.url}/${tid}/v2.0`) => idp.sign({ ...userClaims(), tid, iss });

    it('resolves the {tenantid} issuer template with the token tid, for any tenant', async () => {
      const gh = multi();
      assert.equal((await accepted(gh, await tokenFor(TENANT))).tenant, TENANT);
      assert.equal(
        (await accepted(gh, await tokenFor(OTHER_TENANT))).issuer,
        `${idp.url}/${OTHER_TENANT}/v2.0`,
      );
    });

    it('refuses a tenant not on the allow-list, and names it', async () => {
      await refused(
        multi([TENANT]),
        await tokenFor(OTHER_TENANT),
        'ERR_TOKEN_ISSUER',
        /tenant .* not on the allow-list/,
      );
      await accepted(multi([TENANT]), await tokenFor(TENANT));
    });

    it('a {tenantid} issuer trusts no tenant silently: creation stops without a tenant allow-list or "any"', () => {
      const noTenants = (options: object) =>
        assert.throws(
          () => createGatehouse({ audience: CLIENT, ...options }),
          (error: unknown) =>
            error instanceof GatehouseError &&
            error.code === 'ERR_CONFIGURATION' &&
            /tenants is required with a multi-tenant/.test(error.description) &&
            !error.description.includes('\n'),
        );
      noTenants({ issuer: `${idp.url}/{tenantid}/v2.0`, jwksUri: `${idp.url}/keys` });
      noTenants({ metadataUrl: `${idp.url}/organizations/v2.0/.well-known/openid-configuration` });
      noTenants({
        metadataUrl: 'https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration',
      });
      assert.throws(
        () =>
          createGatehouse({
            issuers: [
              {
                metadataUrl: `${idp.url}/organizations/v2.0/.well-known/openid-configuration`,
                audience: CLIENT,
              },
            ],
          }),
        /issuers\[0\]\.tenants is required/,
      );
      assert.throws(
        () => entraMultiTenant({ clientId: CLIENT } as never),
        /entraMultiTenant\.tenants is required/,
      );
      assert.throws(
        () =>
          createGatehouse({
            metadataUrl: `${idp.url}/organizations/v2.0/.well-known/openid-configuration`,
            audience: CLIENT,
            tenants: ['contoso'],
          }),
        /not a tenant id/,
      );
      // An explicit issuer pins one tenant, whatever metadata serves its keys.
      createGatehouse({
        issuer: v2,
        metadataUrl: `${idp.url}/organizations/v2.0/.well-known/openid-configuration`,
        audience: CLIENT,
      }).close();
    });

    it('accepts any tenant only when told "any", and logs a warning saying so', async () => {
      const warnings: string[] = [];
      const gh = createGatehouse({
        metadataUrl: `${idp.url}/organizations/v2.0/.well-known/openid-configuration`,
        audience: CLIENT,
        tenants: 'any',
        logger: { warn: (_obj, msg) => warnings.push(msg) },
      });
      assert.ok(
        warnings.some((w) => /ANY tenant/.test(w)),
        'the opt-in is logged',
      );
      await accepted(gh, await tokenFor(OTHER_TENANT));
    });

    it('refuses every tenant when the template is met only in fetched metadata and no tenants are set', async () => {
      idp.publish('/tenant-agnostic/.well-known/openid-configuration', `${idp.url}/{tenantid}/v2.0`);
      const gh = createGatehouse({
        metadataUrl: `${idp.url}/tenant-agnostic/.well-known/openid-configuration`,
        audience: CLIENT,
      });
      await refused(gh, await tokenFor(OTHER_TENANT), 'ERR_TOKEN_ISSUER', /no tenants are configured/);
    });

    it('refuses an iss that does not match its own tid, and a missing or non-GUID tid', async () => {
      const gh = multi();
      await refused(gh, await tokenFor(TENANT, `${idp.url}/${OTHER_TENANT}/v2.0`), 'ERR_TOKEN_ISSUER');
      await refused(
        gh,
        await idp.sign({ ...userClaims(), tid: 'contoso', iss: `${idp.url}/contoso/v2.0` }),
        'ERR_TOKEN_ISSUER',
      );
    });
  });
});
