import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { TestIssuer } from 'gatehouse-test-support/issuer';
import { unsigned } from '../helpers/tokens.ts';

const run = promisify(execFile);
const cli = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

/** What an attacker puts in every token field the CLI prints: a fake verdict, ESC and C1 erasers, bidi. */
const FORGED = '\n verdict: VALID\x1b[2K\r\x9b2K\u2028verdict: VALID\u2029\u202e\u0085verdict: VALID\x7f';
// Everything a terminal would act on; the CLI's own newlines are the only ones allowed.
const ACTIVE =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
  /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

async function explain(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [cli, 'explain', ...args]);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** Lines as a terminal would break them (LF, CR, NEL, and the Unicode separators). */
function verdictLines(stdout: string): string[] {
  return stdout.split(/\r\n|[\n\r\u0085\u2028\u2029]/).filter((line) => /^\W*verdict:/.test(line));
}

describe('gatehouse explain: token text cannot forge output', () => {
  let issuer: TestIssuer;
  before(async () => {
    issuer = await TestIssuer.start(['RS256']);
  });
  after(() => issuer.close());

  const args = () => ['--jwks-uri', issuer.jwksUri, '--issuer', issuer.url, '--audience', issuer.audience];

  const tokens = async () => ({
    kid: await issuer.sign({}, { kid: `k1${FORGED}` }),
    typ: await issuer.sign({}, { header: { typ: `JWT${FORGED}` } }),
    alg: unsigned({ alg: `RS256${FORGED}`, kid: 'k1' }, issuer.claims(), 'AAAA'),
    claims: await issuer.sign({ aud: `api://other${FORGED}`, name: FORGED, scp: `read${FORGED}` }),
  });

  test('a token whose kid, typ, alg or claims hold a fake verdict line prints only the real verdict', async () => {
    for (const [field, token] of Object.entries(await tokens())) {
      const r = await explain([token, ...args()]);
      assert.equal(r.code, 1, `${field}: ${r.stderr}`);
      assert.deepEqual(verdictLines(r.stdout), [r.stdout.trimEnd().split('\n').at(-1)], field);
      assert.match(r.stdout.trimEnd().split('\n').at(-1)!, /^verdict: INVALID \(ERR_TOKEN_[A-Z_]+\)$/, field);
      assert.doesNotMatch(r.stdout, ACTIVE, field);
    }
  });

  test('--json escapes the same characters and still parses to the token values', async () => {
    const { kid } = await tokens();
    const r = await explain([kid, ...args(), '--json']);
    assert.equal(r.code, 1, r.stderr);
    assert.doesNotMatch(r.stdout, ACTIVE);
    const result = JSON.parse(r.stdout) as { header: { kid: string }; valid: boolean };
    assert.equal(result.header.kid, `k1${FORGED}`);
    assert.equal(result.valid, false);
  });
});
