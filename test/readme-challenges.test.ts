/**
 * The library README shows `WWW-Authenticate` headers as Gatehouse sends them (RFC 9728
 * `resource_metadata`, RFC 9470 step-up, Entra claims challenges). These are produced here by
 * Gatehouse itself, from the README's own settings and real dev IdP tokens, and must be exactly the
 * README's lines. The blocks say `<!-- checked-by: test/readme-challenges.test.ts -->`.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  createGatehouse,
  errorResponse,
  type Gatehouse,
  type GatehouseOptions,
  requireAuthContext,
  requireAuthentication,
  resourceMetadataUrl,
} from 'gatehouse-auth';
import { type DevIdp, getUserToken, startDevIdp } from 'gatehouse-dev-idp';
import { codeBlocks } from './readme/markdown.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const README = 'packages/gatehouse/README.md';
const AUDIENCE = 'api://todo';

/** The README's challenge lines, without `WWW-Authenticate: `, of the block that mentions `error`. */
function shown(mentioning: string): string[] {
  const block = codeBlocks(root, README).find(
    (b) => b.checkedBy === 'test/readme-challenges.test.ts' && b.code.includes(mentioning),
  );
  assert.ok(block, `no checked-by block in ${README} mentions ${mentioning}`);
  return block.code
    .split('\n')
    .filter((line) => line.startsWith('WWW-Authenticate: '))
    .map((line) => line.slice('WWW-Authenticate: '.length));
}

function challengeOf(
  error: unknown,
  context: Parameters<typeof errorResponse>[1] = 'api',
): string | undefined {
  return errorResponse(error, context).headers['www-authenticate'];
}

async function refusal(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  assert.fail('expected a refusal');
}

describe(`${README}: the challenges it shows are the ones Gatehouse sends`, () => {
  let dataDir: string;
  let idp: DevIdp;
  let gatehouses: Gatehouse[] = [];
  const gatehouse = (options: Partial<GatehouseOptions> = {}): Gatehouse => {
    const gh = createGatehouse({ issuer: idp.issuer, audience: AUDIENCE, ...options } as GatehouseOptions);
    gatehouses.push(gh);
    return gh;
  };
  const alice = async (options: { acrValues?: string; clientCapabilities?: string[] } = {}) =>
    (await getUserToken({ issuer: idp.issuer, user: 'alice', ...options })).accessToken;

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'readme-challenges-'));
    idp = await startDevIdp({
      port: 0,
      dataDir,
      logger: { info: () => {}, warn: () => {}, error: () => {} },
    });
  });
  after(async () => {
    for (const gh of gatehouses) gh.close();
    gatehouses = [];
    await idp?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('Where to find the authorization server (RFC 9728): no token, then an expired one', async () => {
    const resourceMetadata = resourceMetadataUrl('https://api.example.com/mcp');
    const now = gatehouse({ resourceMetadata });
    const missing = await refusal(now.authenticate({ headers: {}, method: 'GET', url: '/mcp' }));
    // Two hours on: past the dev IdP's one-hour lifetime and the minute of clock tolerance.
    const later = gatehouse({ resourceMetadata, clock: () => Date.now() + 2 * 3600_000 });
    const expired = await refusal(later.verify(await alice()));
    assert.deepEqual(
      [challengeOf(missing, now.options), challengeOf(expired, later.options)],
      shown('resource_metadata='),
    );
  });

  it('Step-up authentication (RFC 9470): a password sign-in, then an mfa sign-in grown too old', async () => {
    const gh = gatehouse();
    const stepUp = requireAuthentication({ acr: ['mfa'], maxAge: 300 });
    const fiveMinutesOn = requireAuthentication({
      acr: ['mfa'],
      maxAge: 300,
      clock: () => Date.now() + 301_000,
    });
    const password = await gh.verify(await alice());
    const mfa = await gh.verify(await alice({ acrValues: 'mfa' }));
    assert.deepEqual(
      [challengeOf(stepUp.check(password)), challengeOf(fiveMinutesOn.check(mfa))],
      shown('insufficient_user_authentication'),
    );
  });

  it('Claims challenges: a client with cp1, then one without', async () => {
    const gh = gatehouse();
    const c1 = requireAuthContext('c1', {
      authorizationUri: 'https://login.microsoftonline.com/common/oauth2/authorize',
    });
    const capable = await gh.verify(await alice({ clientCapabilities: ['cp1'] }));
    const other = await gh.verify(await alice());
    assert.deepEqual(
      [challengeOf(c1.check(capable)), challengeOf(c1.check(other))],
      shown('insufficient_claims'),
    );
  });
});
