/** The token cache, against a real dev IdP (in this process) that counts what it issues. */
import assert from 'node:assert/strict';
import { type TestContext, test } from 'node:test';
import { startDevIdp } from 'gatehouse-dev-idp';
import { tempDir } from 'gatehouse-test-support/temp';
import { assertionAudience, createTokenProvider } from '../../src/auth.ts';
import { type Config, resolveConfig } from '../../src/config.ts';
import { CliError, EXIT } from '../../src/errors.ts';

async function devIdp(t: TestContext) {
  const dir = tempDir('todo-cli-auth-');
  let issued = 0;
  const idp = await startDevIdp({
    port: 0,
    dataDir: dir.path,
    logger: {
      info: (message) => {
        if (message.includes('issued tokens to')) issued += 1;
      },
      warn() {},
      error() {},
    },
  });
  t.after(async () => {
    await idp.close();
    dir.remove();
  });
  const config = (env: Record<string, string> = {}): Config =>
    resolveConfig({ flags: {}, env: { TODO_AUTHORITY: idp.issuer, ...env }, dotenv: {}, cwd: dir.path });
  return { idp, config, issued: () => issued };
}

test('one token is reused until a minute before it expires; concurrent callers share one request', async (t) => {
  const { config, issued } = await devIdp(t);
  let clock = Date.now() / 1000;
  const tokens = createTokenProvider(config(), { now: () => clock });

  const [a, b, c] = await Promise.all([tokens.getToken(), tokens.getToken(), tokens.getToken()]);
  assert.equal(issued(), 1);
  assert.ok(a === b && b === c);
  assert.equal(await tokens.getToken(), a);

  clock += 3600 - 61; // the dev IdP's tokens live an hour
  assert.equal(await tokens.getToken(), a);
  assert.equal(issued(), 1);

  clock += 2; // now within the last minute
  const renewed = await tokens.getToken();
  assert.notEqual(renewed, a);
  assert.equal(issued(), 2);

  tokens.invalidate();
  assert.notEqual(await tokens.getToken(), renewed);
  assert.equal(issued(), 3);
});

test('a refused client is exit 3; the next call asks again rather than caching the failure', async (t) => {
  const { config } = await devIdp(t);
  const tokens = createTokenProvider(config({ TODO_CLIENT_SECRET: 'wrong' }));
  for (let attempt = 0; attempt < 2; attempt++) {
    await assert.rejects(tokens.getToken(), (error: unknown) => {
      assert.ok(error instanceof CliError);
      assert.equal(error.exitCode, EXIT.auth);
      assert.match(error.message, /invalid_client/);
      assert.doesNotMatch(error.message, /wrong/);
      return true;
    });
  }
});

test('an issuer that names itself differently is a configuration error saying which to use', async (t) => {
  const { idp } = await devIdp(t);
  // 127.0.0.1 reaches the same server, but the issuer it names is http://localhost:<port>.
  const config = resolveConfig({ flags: {}, env: { TODO_AUTHORITY: idp.url }, dotenv: {}, cwd: '/' });
  await assert.rejects(createTokenProvider(config).getToken(), (error: unknown) => {
    assert.ok(error instanceof CliError);
    assert.equal(error.exitCode, EXIT.usage);
    assert.match(
      error.message,
      new RegExp(`names its issuer ${idp.issuer}; set TODO_AUTHORITY to exactly that`),
    );
    return true;
  });
  // The metadata URL itself is accepted as the authority.
  const byMetadata = resolveConfig({
    flags: {},
    env: { TODO_AUTHORITY: `${idp.url}/.well-known/openid-configuration` },
    dotenv: {},
    cwd: '/',
  });
  assert.match(await createTokenProvider(byMetadata).getToken(), /^eyJ/);
});

test("client assertions: Entra's token endpoint as audience on Microsoft hosts, openid-client's issuer elsewhere", () => {
  const entra = 'https://login.microsoftonline.com/3f2b8c1e-7d4a-4e6b-9a51-0d8e2f6c4b17/oauth2/v2.0/token';
  assert.equal(assertionAudience(entra), entra);
  const ciam = 'https://contoso.ciamlogin.com/3f2b8c1e-7d4a-4e6b-9a51-0d8e2f6c4b17/oauth2/v2.0/token';
  assert.equal(assertionAudience(ciam), ciam);
  assert.equal(assertionAudience('http://localhost:3001/token'), undefined);
  assert.equal(assertionAudience('https://login.microsoftonline.com.evil.example/token'), undefined);
  assert.equal(assertionAudience(undefined), undefined);
});
