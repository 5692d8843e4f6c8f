import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createGatehouse, ForbiddenError } from 'gatehouse-auth';
import { b2c, entra, requirePolicy } from 'gatehouse-auth/providers';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import {
  b2cQueryMetadataUrl,
  DEV_B2C,
  DEV_USERS,
  DevIdpError,
  getAppToken,
  getUserToken,
  refreshUserToken,
} from '../src/index.ts';
import { discover } from '../src/token-client.ts';
import { assertRefused, originOf, startTestIdp, verifyWith } from './helpers.ts';

const [signUpSignIn, mfa] = DEV_B2C.policies;
const alice = DEV_USERS.find((user) => user.username === 'alice');

function preset(instance: string, policies: string[]) {
  const { tenantName: tenant, tenantId, apiClientId: clientId } = DEV_B2C;
  return b2c({ tenant, tenantId, clientId, policies, instance });
}

test('b2c: every policy has its metadata, by path and by ?p=, all naming one issuer with a trailing slash', async (t) => {
  const idp = await startTestIdp(t, { profile: 'b2c' });
  const origin = originOf(idp);
  const issuer = `${origin}/${DEV_B2C.tenantId}/v2.0/`;
  assert.equal(idp.issuer, issuer);
  assert.deepEqual(
    idp.authorities.map(({ id }) => id),
    DEV_B2C.policies,
  );
  for (const policy of DEV_B2C.policies) {
    const tenantPath = `${origin}/${DEV_B2C.tenantName}.onmicrosoft.com`;
    const byPath = await discover(undefined, `${tenantPath}/${policy}/v2.0/.well-known/openid-configuration`);
    assert.equal(byPath.issuer, issuer);
    assert.equal(byPath.authorization_endpoint, `${tenantPath}/${policy}/oauth2/v2.0/authorize`);
    assert.equal(byPath.jwks_uri, `${tenantPath}/${policy}/discovery/v2.0/keys`);
    // B2C's own ?p= document names ?p= endpoints.
    const byQuery = await discover(undefined, b2cQueryMetadataUrl(origin, policy));
    assert.equal(byQuery.issuer, issuer);
    const p = policy.toLowerCase();
    assert.equal(byQuery.authorization_endpoint, `${tenantPath}/oauth2/v2.0/authorize?p=${p}`);
    assert.equal(byQuery.token_endpoint, `${tenantPath}/oauth2/v2.0/token?p=${p}`);
    assert.equal(byQuery.jwks_uri, `${tenantPath}/discovery/v2.0/keys?p=${p}`);
    // Policy names are case-insensitive, and the tenant id works in place of its name.
    const byId = `${origin}/${DEV_B2C.tenantId}/${p}/v2.0/.well-known/openid-configuration`;
    assert.equal((await discover(undefined, byId)).issuer, issuer);
  }
  assert.equal(
    (
      await fetch(
        `${origin}/${DEV_B2C.tenantName}.onmicrosoft.com/B2C_1_nope/v2.0/.well-known/openid-configuration`,
      )
    ).status,
    404,
  );
  assert.equal((await fetch(`${origin}/.well-known/openid-configuration`)).status, 404);
});

test('b2c: a user-flow token has B2C’s shape and is accepted by Gatehouse’s b2c preset', async (t) => {
  const idp = await startTestIdp(t, { profile: 'b2c' });
  const token = await getUserToken({ metadataUrl: idp.metadataUrl, user: 'alice', scope: 'tasks.read' });
  assert.equal(decodeProtectedHeader(token.accessToken).typ, 'JWT');
  const claims = decodeJwt(token.accessToken);
  assert.equal(claims.iss, idp.issuer);
  assert.equal(claims.tfp, signUpSignIn);
  assert.equal(claims.ver, '1.0');
  assert.equal(claims.aud, DEV_B2C.apiClientId);
  assert.equal(claims.sub, alice?.oid);
  assert.equal(claims.scp, 'tasks.read');
  assert.equal(claims.azp, 'todo-cli');
  assert.deepEqual(claims.emails, [alice?.email]);

  const principal = await verifyWith(preset(originOf(idp), [signUpSignIn!]), token.accessToken);
  assert.equal(principal.subject, alice?.oid);
  assert.equal(principal.policy, signUpSignIn);
  assert.deepEqual(principal.scopes, ['tasks.read']);

  assert.ok(token.refreshToken);
  const refreshed = await refreshUserToken({
    metadataUrl: idp.metadataUrl,
    refreshToken: token.refreshToken,
  });
  assert.equal(decodeJwt(refreshed.accessToken).tfp, signUpSignIn);
});

test('b2c: the user picks the MFA policy with ?p=; only a configuration trusting that policy accepts it', async (t) => {
  const idp = await startTestIdp(t, { profile: 'b2c' });
  const origin = originOf(idp);
  const viaQuery = await getUserToken({ metadataUrl: b2cQueryMetadataUrl(origin, mfa!), user: 'bob' });
  assert.equal(decodeJwt(viaQuery.accessToken).tfp, mfa);
  const signIn = await getUserToken({ metadataUrl: idp.metadataUrl, user: 'bob' });

  const both = createGatehouse(preset(origin, [...DEV_B2C.policies]));
  t.after(() => both.close());
  const mfaPrincipal = await both.verify(viaQuery.accessToken);
  assert.equal(mfaPrincipal.policy, mfa);
  assert.equal(both.authorize(mfaPrincipal, [requirePolicy(mfa!)]), mfaPrincipal);
  // The MFA route of Microsoft's B2C web API tutorial: a token of the sign-in policy is 403 there.
  const signInPrincipal = await both.verify(signIn.accessToken);
  assert.throws(() => both.authorize(signInPrincipal, [requirePolicy(mfa!)]), ForbiddenError);

  await assertRefused(preset(origin, [signUpSignIn!]), viaQuery.accessToken, 'ERR_TOKEN_ISSUER');
  await assertRefused(preset(origin, [mfa!]), signIn.accessToken, 'ERR_TOKEN_ISSUER');
  // B2C's issuer is not Entra's, even with the same tenant and keys: the trailing slash differs.
  const { jwks_uri: jwksUri } = await discover(undefined, idp.metadataUrl);
  await assertRefused(
    entra({ tenantId: DEV_B2C.tenantId, clientId: DEV_B2C.apiClientId, instance: origin, jwksUri }),
    signIn.accessToken,
    'ERR_TOKEN_ISSUER',
  );
  const { tenantName: tenant, tenantId } = DEV_B2C;
  await assertRefused(
    b2c({
      tenant,
      tenantId,
      clientId: '00000000-0000-4000-8000-000000000000',
      policies: [signUpSignIn!],
      instance: origin,
    }),
    signIn.accessToken,
    'ERR_TOKEN_AUDIENCE',
  );
});

test('b2c: user flows serve users only; the login page names the policy', async (t) => {
  const idp = await startTestIdp(t, { profile: 'b2c' });
  await assert.rejects(
    getAppToken({ metadataUrl: idp.metadataUrl }),
    (error) => error instanceof DevIdpError && error.error === 'invalid_client',
  );
  const { authorization_endpoint } = await discover(undefined, idp.authorities[1]?.metadataUrl);
  const authorize = new URL(authorization_endpoint);
  authorize.search = new URLSearchParams({
    client_id: 'todo-cli',
    response_type: 'code',
    redirect_uri: 'http://127.0.0.1/callback',
    scope: 'openid',
    code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    code_challenge_method: 'S256',
  }).toString();
  const start = await fetch(authorize, { redirect: 'manual' });
  const location = new URL(start.headers.get('location') ?? '', authorize);
  assert.match(
    location.pathname,
    new RegExp(`^/${DEV_B2C.tenantName}\\.onmicrosoft\\.com/${mfa}/interaction/`),
  );
  const cookie = start.headers
    .getSetCookie()
    .map((value) => value.split(';')[0])
    .join('; ');
  const html = await (await fetch(location, { headers: { cookie } })).text();
  assert.match(html, new RegExp(`\\(${mfa}\\)`));
  assert.match(
    html,
    new RegExp(`action="/${DEV_B2C.tenantName}\\.onmicrosoft\\.com/${mfa}/interaction/[^"]+/login"`),
  );
});
