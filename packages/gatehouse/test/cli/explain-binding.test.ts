/**
 * `gatehouse-auth explain` for sender-constrained tokens: given the DPoP proof (and the request it
 * came with) or the TLS client certificate, every binding check is reported with PASS or FAIL, and
 * the verdict is the refusal the API would answer with. Real tokens, real proofs, real certificates.
 */
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { TestIssuer } from 'gatehouse-test-support/issuer';
import { type DpopKey, makeDpopKey, makeProof } from '../helpers/dpop.ts';

const run = promisify(execFile);
const cli = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const URL_CALLED = 'https://api.example.com/api/todos?limit=5';

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

interface Explained {
  valid: boolean;
  code: string | undefined;
  checks: { name: string; ok: boolean; detail: string }[];
}

async function explain(args: string[]): Promise<Result> {
  try {
    const { stdout, stderr } = await run(process.execPath, [cli, 'explain', ...args]);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as Result;
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** name -> PASS/FAIL of every check, from --json output. */
function verdicts(result: Result): Record<string, boolean> {
  const parsed = JSON.parse(result.stdout) as Explained;
  return Object.fromEntries(parsed.checks.map((check) => [check.name, check.ok]));
}

function detail(result: Result, name: string): string {
  return (JSON.parse(result.stdout) as Explained).checks.find((check) => check.name === name)?.detail ?? '';
}

function makeCertificate(dir: string, name: string): { file: string; thumbprint: string } {
  const file = join(dir, `${name}.pem`);
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'].concat([
      '-keyout',
      join(dir, `${name}.key`),
      '-out',
      file,
      '-days',
      '1',
      '-subj',
      `/CN=${name}`,
    ]),
    { stdio: 'ignore' },
  );
  const raw = new X509Certificate(readFileSync(file)).raw;
  return { file, thumbprint: createHash('sha256').update(raw).digest('base64url') };
}

const PROOF_CHECKS = [
  'dpop format',
  'dpop typ',
  'dpop alg',
  'dpop jwk',
  'dpop signature',
  'dpop claims',
  'dpop jti',
  'dpop htm',
  'dpop htu',
  'dpop iat',
  'dpop ath',
  'dpop jkt',
];

describe('gatehouse explain: why a sender-constrained token is refused with this proof or certificate', () => {
  let issuer: TestIssuer;
  let key: DpopKey;
  let dir: string;
  let base: string[];
  before(async () => {
    issuer = await TestIssuer.start(['RS256']);
    key = await makeDpopKey();
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-explain-binding-'));
    base = ['--issuer', issuer.url, '--audience', issuer.audience, '--json'];
  });
  after(() => {
    issuer.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('DPoP: every proof check and the key binding PASS for the right proof (exit 0)', async () => {
    const token = await issuer.sign({ cnf: { jkt: key.jkt } });
    const proof = await makeProof(key, { method: 'GET', url: URL_CALLED, token });
    const result = await explain([token, ...base, '--dpop-proof', proof, '--url', URL_CALLED]);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    const ok = verdicts(result);
    for (const name of PROOF_CHECKS) assert.equal(ok[name], true, name);
    assert.match(detail(result, 'dpop htu'), /^htu https:\/\/api\.example\.com\/api\/todos$/);

    const human = await explain([token, ...base.slice(0, -1), '--dpop-proof', proof, '--url', URL_CALLED]);
    assert.match(human.stdout, /PASS\s+dpop jkt\s+cnf\.jkt [\w-]{43} is the proof key's thumbprint/);
    assert.match(human.stdout, /verdict: VALID/);
    assert.ok(!human.stdout.includes(proof.split('.')[2]!), 'the proof signature is never printed');
  });

  it('DPoP: each failing check is named, the others still run; the verdict is the code the API answers', async () => {
    const other = await makeDpopKey();
    const token = await issuer.sign({ cnf: { jkt: other.jkt } });
    const proof = await makeProof(key, {
      method: 'POST',
      url: 'https://elsewhere.example.com/api/todos',
      token: 'another.access.token',
      claims: { iat: Math.floor(Date.now() / 1000) - 3600 },
    });
    const result = await explain([
      token,
      ...base,
      '--dpop-proof',
      proof,
      '--url',
      URL_CALLED,
      '--method',
      'GET',
    ]);
    assert.equal(result.code, 1);
    const ok = verdicts(result);
    for (const name of ['dpop typ', 'dpop alg', 'dpop jwk', 'dpop signature', 'dpop jti'])
      assert.equal(ok[name], true, name);
    for (const name of ['dpop htm', 'dpop htu', 'dpop iat', 'dpop ath', 'dpop jkt'])
      assert.equal(ok[name], false, name);
    assert.match(detail(result, 'dpop htm'), /proof htm "POST"; request method GET/);
    assert.match(detail(result, 'dpop jkt'), new RegExp(`cnf\\.jkt "${other.jkt}", proof key ${key.jkt}$`));
    // The gate checks in RFC order: the first failure is what the API answers.
    assert.equal((JSON.parse(result.stdout) as Explained).code, 'ERR_DPOP_PROOF_METHOD');
    // Checking the token alone, explain would call it valid: the binding is what refuses it.
    assert.equal((await explain([token, ...base])).code, 0);
  });

  it('DPoP: a bad header and a forged signature; claims are still read, and say so', async () => {
    const token = await issuer.sign({ cnf: { jkt: key.jkt } });
    const badHeader = await makeProof(key, {
      method: 'GET',
      url: URL_CALLED,
      token,
      header: { typ: 'JWT', jwk: key.privateJwk },
    });
    const header = await explain([token, ...base, '--dpop-proof', badHeader, '--url', URL_CALLED]);
    assert.equal(header.code, 1);
    assert.deepEqual(
      [verdicts(header)['dpop typ'], verdicts(header)['dpop jwk'], verdicts(header)['dpop signature']],
      [false, false, undefined],
    );
    assert.match(detail(header, 'dpop jwk'), /private member d/);

    const impostor = await makeDpopKey();
    const forged = await makeProof(key, {
      method: 'GET',
      url: URL_CALLED,
      token,
      signWith: impostor.privateKey,
    });
    const result = await explain([token, ...base, '--dpop-proof', forged, '--url', URL_CALLED]);
    assert.equal(result.code, 1);
    assert.equal(verdicts(result)['dpop signature'], false);
    assert.equal((JSON.parse(result.stdout) as Explained).code, 'ERR_DPOP_PROOF_SIGNATURE');
    assert.equal(verdicts(result)['dpop htu'], true);
    assert.match(detail(result, 'dpop htu'), /claims read without a verified signature/);
  });

  it('mTLS: the certificate thumbprint against cnf x5t#S256: PASS for the bound one, FAIL for another or none', async () => {
    const alice = makeCertificate(dir, 'alice');
    const mallory = makeCertificate(dir, 'mallory');
    const token = await issuer.sign({ cnf: { 'x5t#S256': alice.thumbprint } });

    const right = await explain([token, ...base, '--client-cert', alice.file]);
    assert.equal(right.code, 0, right.stdout);
    assert.equal(verdicts(right)['mtls x5t#S256'], true);

    const wrong = await explain([token, ...base, '--client-cert', mallory.file]);
    assert.equal(wrong.code, 1);
    assert.equal((JSON.parse(wrong.stdout) as Explained).code, 'ERR_MTLS_BINDING');
    assert.match(
      detail(wrong, 'mtls x5t#S256'),
      new RegExp(`differs .*; cnf\\.x5t#S256 "${alice.thumbprint}", certificate ${mallory.thumbprint}$`),
    );

    const none = await explain([token, ...base, '--client-cert', 'none']);
    assert.equal(none.code, 1);
    assert.match(detail(none, 'mtls x5t#S256'), /the request has no client certificate/);

    // An unbound token needs no certificate: PASS, and says why.
    const unbound = await explain([await issuer.sign(), ...base, '--client-cert', mallory.file]);
    assert.equal(unbound.code, 0);
    assert.match(detail(unbound, 'mtls x5t#S256'), /not certificate-bound/);
  });

  it('refuses flags that cannot be checked, with one line (exit 2)', async () => {
    const token = await issuer.sign();
    const noUrl = await explain([token, ...base, '--dpop-proof', 'a.b.c']);
    assert.equal(noUrl.code, 2);
    assert.match(noUrl.stderr, /^gatehouse: --dpop-proof needs --url/);
    const urlAlone = await explain([token, ...base, '--url', URL_CALLED]);
    assert.equal(urlAlone.code, 2);
    const missing = await explain([token, ...base, '--client-cert', join(dir, 'nope.pem')]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /^gatehouse: --client-cert: cannot read .*nope\.pem \(ENOENT\)/);
  });
});
