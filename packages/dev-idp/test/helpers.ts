import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { createRemoteJWKSet, type JWTPayload, jwtVerify } from 'jose';
import { API_RESOURCE, type DevIdp, type DevIdpOptions, startDevIdp } from '../src/index.ts';
import { discover } from '../src/token-client.ts';

export const silent = { info() {}, warn() {}, error() {} };

/** A fresh data directory, removed when the test ends. */
export async function tempDataDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'dev-idp-test-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
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
