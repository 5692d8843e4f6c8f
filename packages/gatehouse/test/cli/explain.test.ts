import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { TestIssuer } from 'gatehouse-test-support/issuer';

const run = promisify(execFile);
const cli = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

async function explain(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [cli, 'explain', ...args], {
      env: { ...process.env, ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('gatehouse explain: says why a token passes or fails', () => {
  let issuer: TestIssuer;
  before(async () => {
    issuer = await TestIssuer.start(['RS256']);
  });
  after(() => issuer.close());

  it('shows header, claims and every check passing for a valid token (exit 0)', async () => {
    const token = await issuer.sign();
    const r = await explain([token, '--issuer', issuer.url, '--audience', issuer.audience]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /"alg": "RS256"/);
    assert.match(r.stdout, /PASS\s+signing key/);
    assert.match(r.stdout, /verdict: VALID/);
    assert.ok(!r.stdout.includes(token.split('.')[2]!), 'the signature is never printed');
  });

  it('names each failing check with its reason (exit 1), reading the API environment', async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = await issuer.sign({ exp: now - 125, aud: '00000003-0000-0000-c000-000000000000' });
    const r = await explain([token], { AUTH_ISSUER: issuer.url, AUTH_AUDIENCE: issuer.audience });
    assert.equal(r.code, 1);
    assert.match(r.stdout, /FAIL\s+audience .*Microsoft Graph/);
    assert.match(r.stdout, /FAIL\s+expiry\s+expired 12\d s ago/);
    assert.match(r.stdout, /verdict: INVALID \(ERR_TOKEN_/);
  });

  it('reports an unknown key and an untrusted issuer', async () => {
    const token = await issuer.sign({ iss: 'https://evil.example' }, { kid: 'nope' });
    const r = await explain([token, '--issuer', issuer.url, '--audience', issuer.audience, '--json']);
    assert.equal(r.code, 1);
    const result = JSON.parse(r.stdout) as { checks: { name: string; ok: boolean; detail: string }[] };
    const byName = Object.fromEntries(result.checks.map((c) => [c.name, c]));
    assert.equal(byName.issuer?.ok, false);
    assert.equal(byName['signing key']?.ok, false);
    assert.match(byName['signing key']!.detail, /kid "nope"/);
  });

  it('--provider b2c --policy: a token of another user flow is INVALID and the policy mismatch named, not VALID', async () => {
    const args = ['--issuer', issuer.url, '--audience', issuer.audience, '--provider', 'b2c'];
    const other = await explain([
      await issuer.sign({ tfp: 'B2C_1_passwordreset' }),
      ...args,
      '--policy',
      'B2C_1_signupsignin',
    ]);
    assert.equal(other.code, 1);
    assert.match(
      other.stdout,
      /FAIL\s+requirements\s+policy mismatch: expected B2C_1_signupsignin; the token's tfp is "B2C_1_passwordreset"/,
    );
    assert.match(other.stdout, /verdict: INVALID \(ERR_TOKEN_CLAIM\)/);

    const same = await explain([
      await issuer.sign({ tfp: 'B2C_1_SignUpSignIn' }),
      ...args,
      '--policy',
      'B2C_1_signupsignin',
    ]);
    assert.equal(same.code, 0, same.stdout);
    assert.match(same.stdout, /PASS\s+requirements/);

    // Without being told the policy, explain cannot know: the same token is VALID.
    const untold = await explain([
      await issuer.sign({ tfp: 'B2C_1_passwordreset' }),
      '--issuer',
      issuer.url,
      '--audience',
      issuer.audience,
    ]);
    assert.equal(untold.code, 0);

    const noPolicy = await explain(['a.b.c', ...args]);
    assert.equal(noPolicy.code, 2);
    assert.match(noPolicy.stderr, /^gatehouse: --provider b2c needs --policy/);
  });

  it('refuses to run without an audience, with one line (exit 2)', async () => {
    const r = await explain(['a.b.c', '--issuer', issuer.url], { AUTH_AUDIENCE: '' });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^gatehouse: give --audience/);
  });
});
