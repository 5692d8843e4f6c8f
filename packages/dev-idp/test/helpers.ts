import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, type TestContext } from 'node:test';
import { createGatehouse, type GatehouseOptions, isGatehouseError, type Principal } from 'gatehouse-auth';
import { createRemoteJWKSet, type JWTPayload, jwtVerify } from 'jose';
import { API_RESOURCE, type DevIdp, type DevIdpOptions, startDevIdp } from '../src/index.ts';
import { discover } from '../src/token-client.ts';

export const silent = { info() {}, warn() {}, error() {} };

// Removed once every test of the file has ended. Not in the test's own after() hook: those run in
// the order they were added, so the directory would go before the IdP using it is closed, and a
// store still being saved makes rm fail with ENOTEMPTY.
const dirs: string[] = [];
after(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true, maxRetries: 3 }))));

/** A fresh data directory, removed when the test file ends. */
export async function tempDataDir(_t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'dev-idp-test-'));
  dirs.push(dir);
  return dir;
}

/** Starts a dev IdP on a free port, closed when the test ends. */
export async function startTestIdp(t: TestContext, options: DevIdpOptions = {}): Promise<DevIdp> {
  const dataDir = options.dataDir ?? (await tempDataDir(t));
  const idp = await startDevIdp({ port: 0, logger: silent, ...options, dataDir });
  t.after(() => idp.close());
  return idp;
}

/** Verifies an access token as a resource server would: against the JWKS the IdP serves. */
export async function verifyAccessToken(
  token: string,
  jwksFrom: string,
  issuer: string = jwksFrom,
): Promise<{ payload: JWTPayload; kid: string | undefined }> {
  const { jwks_uri } = await discover(jwksFrom);
  const { payload, protectedHeader } = await jwtVerify(token, createRemoteJWKSet(new URL(jwks_uri)), {
    issuer,
    audience: API_RESOURCE,
    algorithms: ['RS256'],
    typ: 'at+jwt',
  });
  return { payload, kid: protectedHeader.kid };
}

/** The origin a profile's issuers live under (`instance` of the Gatehouse presets). */
export function originOf(idp: DevIdp): string {
  return new URL(idp.issuer).origin;
}

/** Verifies with a Gatehouse configuration, stopping its background timers afterwards. */
export async function verifyWith(config: GatehouseOptions, token: string): Promise<Principal> {
  const gatehouse = createGatehouse(config);
  try {
    return await gatehouse.verify(token);
  } finally {
    gatehouse.close();
  }
}

/** Asserts that the configuration refuses the token with this Gatehouse error code. */
export async function assertRefused(config: GatehouseOptions, token: string, code: string): Promise<void> {
  await assert.rejects(verifyWith(config, token), (error: unknown) => {
    assert.ok(isGatehouseError(error), String(error));
    assert.equal(error.code, code, error.message);
    return true;
  });
}
