import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { b2cQueryMetadataUrl, DEV_B2C, type DevIdp, getUserToken } from 'gatehouse-dev-idp';
import {
  assertSafeUnavailable,
  call,
  type RunningServer,
  startIdp,
  startServer,
  unreachableMetadataUrl,
} from './helpers.ts';

const [signUpSignIn, mfa] = DEV_B2C.policies;

describe('Azure AD B2C tutorial’s GET /api/values on Express + passport, Gatehouse’s BearerStrategy, B2C', () => {
  let idp: DevIdp;
  let plain: RunningServer;
  let mfaOnly: RunningServer;
  let signInToken: string;
  let mfaToken: string;

  before(async () => {
    idp = await startIdp('b2c');
    const origin = new URL(idp.issuer).origin;
    // The tutorial's identityMetadata: the ?p= form of the sign-up/sign-in user flow.
    const env = {
      IDENTITY_METADATA: b2cQueryMetadataUrl(origin, signUpSignIn!),
      CLIENT_ID: DEV_B2C.apiClientId,
    };
    [plain, mfaOnly, signInToken, mfaToken] = await Promise.all([
      startServer('passport-b2c-values', env),
      startServer('passport-b2c-values', { ...env, REQUIRED_POLICY: mfa! }),
      getUserToken({ metadataUrl: idp.metadataUrl, user: 'alice' }).then((token) => token.accessToken),
      // The user picks the MFA user flow at sign-in.
      getUserToken({ metadataUrl: b2cQueryMetadataUrl(origin, mfa!), user: 'alice' }).then(
        (t) => t.accessToken,
      ),
    ]);
  });

  it('answers ["value1","value2"] to a valid token of the user flow', async () => {
    const response = await call(`${plain.url}/api/values`, { token: signInToken });
    assert.equal(response.status, 200, plain.output());
    assert.deepEqual(await response.json(), ['value1', 'value2']);
    assert.equal(response.headers.get('access-control-allow-origin'), '*');
  });

  it('answers 401 with a Bearer challenge without a token, or with a tampered one', async () => {
    const none = await call(`${plain.url}/api/values`);
    assert.equal(none.status, 401);
    assert.equal(none.headers.get('www-authenticate'), 'Bearer realm="api"');

    // The tutorial's own test: add "INVALID" to the token.
    const tampered = await call(`${plain.url}/api/values`, { token: `${signInToken}INVALID` });
    assert.equal(tampered.status, 401);
    assert.match(
      tampered.headers.get('www-authenticate') ?? '',
      /^Bearer realm="api", error="invalid_token"/,
    );

    const basic = await call(`${plain.url}/api/values`, { headers: { authorization: 'Basic YWxpY2U6eA==' } });
    assert.equal(basic.status, 401);
    assert.equal(basic.headers.get('www-authenticate'), 'Bearer realm="api"');
  });

  it('refuses a token for another API (audience) with 401', async () => {
    const other = await startServer('passport-b2c-values', {
      IDENTITY_METADATA: idp.metadataUrl,
      CLIENT_ID: '00000000-0000-4000-8000-000000000000',
    });
    const response = await call(`${other.url}/api/values`, { token: signInToken });
    assert.equal(response.status, 401);
    assert.match(response.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
  });

  it('MFA variant: 200 for a token of the MFA policy, 403 (and only 403) for another policy', async () => {
    const ok = await call(`${mfaOnly.url}/api/values`, { token: mfaToken });
    assert.equal(ok.status, 200, mfaOnly.output());
    assert.deepEqual(await ok.json(), ['value1', 'value2']);

    const refused = await call(`${mfaOnly.url}/api/values`, { token: signInToken });
    assert.equal(refused.status, 403);
    assert.deepEqual(await refused.json(), { error: 'insufficient permissions' });
    // The tutorial's handler went on to send 200 after its 403; the server would log ERR_HTTP_HEADERS_SENT.
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.doesNotMatch(mfaOnly.output(), /ERR_HTTP_HEADERS_SENT|Cannot set headers/);

    assert.equal((await call(`${mfaOnly.url}/api/values`)).status, 401);
  });

  it('answers 503 with Retry-After, without a stack or the metadata URL, while the IdP is down', async () => {
    // Express's final handler in development mode (as the tests run it) renders err.stack.
    const metadataUrl = await unreachableMetadataUrl(
      `/contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration?p=${signUpSignIn}`,
    );
    const down = await startServer('passport-b2c-values', {
      IDENTITY_METADATA: metadataUrl,
      CLIENT_ID: DEV_B2C.apiClientId,
    });
    for (let i = 0; i < 3; i++) {
      const response = await fetch(`${down.url}/api/values`, {
        headers: { authorization: `Bearer ${signInToken}` },
      });
      await assertSafeUnavailable(response, metadataUrl);
    }
    assert.equal(down.child.exitCode, null, down.output());
  });
});
