/**
 * DPoP (RFC 9449) at the dev IdP's token endpoint: a proof gets a token bound to its key, a
 * replayed proof is refused (§11.1), while one client assertion still serves several requests (as
 * Entra allows and MSAL Node needs), also together with DPoP proofs.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importPKCS8, SignJWT } from 'jose';
import { DATA_FILES, DEV_CLIENT_IDS, DEV_DAEMON_DPOP_SECRET, DEV_DAEMON_SECRET } from '../src/index.ts';
import { clientCredentialsParams } from '../src/profiles/client-params.ts';
import type { ProfileName } from '../src/profiles/types.ts';
import { discover } from '../src/token-client.ts';
import { startTestIdp, tempDataDir, verifyAccessToken } from './helpers.ts';

const SCOPE = 'api://todo/.default';

/** A client's DPoP key, and proofs for the token endpoint (RFC 9449 §4.2). */
async function dpopKey() {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const jwk = await exportJWK(publicKey);
  return {
    jkt: await calculateJwkThumbprint(jwk, 'sha256'),
    proof: (url: string) =>
      new SignJWT({ jti: randomUUID(), htm: 'POST', htu: url, iat: Math.floor(Date.now() / 1000) })
        .setProtectedHeader({ typ: 'dpop+jwt', alg: 'ES256', jwk })
        .sign(privateKey),
  };
}

interface TokenAnswer {
  status: number;
  body: Record<string, unknown>;
}

async function tokenRequest(url: string, form: Record<string, string>, proof?: string): Promise<TokenAnswer> {
  const response = await fetch(url, {
    method: 'POST',
    headers: proof ? { dpop: proof } : {},
    body: new URLSearchParams({ grant_type: 'client_credentials', scope: SCOPE, ...form }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const secretForm = { client_id: DEV_CLIENT_IDS.daemon, client_secret: DEV_DAEMON_SECRET };

test('dev IdP: a token request with a DPoP proof gets a DPoP-bound token (token_type DPoP, cnf.jkt of the proof key)', async (t) => {
  const idp = await startTestIdp(t);
  const { token_endpoint, dpop_signing_alg_values_supported } = (await discover(idp.issuer)) as {
    token_endpoint: string;
    dpop_signing_alg_values_supported?: string[];
  };
  assert.ok(dpop_signing_alg_values_supported?.includes('ES256'));
  const key = await dpopKey();
  const { status, body } = await tokenRequest(token_endpoint, secretForm, await key.proof(token_endpoint));
  assert.equal(status, 200, JSON.stringify(body));
  assert.equal(body.token_type, 'DPoP');
  const { payload } = await verifyAccessToken(String(body.access_token), idp.issuer);
  assert.deepEqual(payload.cnf, { jkt: key.jkt });

  // Without a proof the same client still gets a Bearer token: DPoP is not required of it.
  const bearer = await tokenRequest(token_endpoint, secretForm);
  assert.equal(bearer.status, 200);
  assert.equal(bearer.body.token_type, 'Bearer');
  assert.equal(
    (await verifyAccessToken(String(bearer.body.access_token), idp.issuer)).payload.cnf,
    undefined,
  );
});

test('dev IdP: a DPoP proof replayed to the token endpoint is refused (RFC 9449 §11.1)', async (t) => {
  const idp = await startTestIdp(t);
  const { token_endpoint } = await discover(idp.issuer);
  const key = await dpopKey();
  const proof = await key.proof(token_endpoint);
  assert.equal((await tokenRequest(token_endpoint, secretForm, proof)).status, 200);
  const replayed = await tokenRequest(token_endpoint, secretForm, proof);
  assert.equal(replayed.status, 400, JSON.stringify(replayed.body));
  assert.equal(replayed.body.error, 'invalid_grant');
  // oidc-provider words every invalid_grant alike; what differs from the next request is the proof.
  // A fresh proof with the same key works.
  assert.equal((await tokenRequest(token_endpoint, secretForm, await key.proof(token_endpoint))).status, 200);
});

test('dev IdP: one client assertion serves several DPoP token requests, but its requests replaying a proof are refused', async (t) => {
  const dataDir = await tempDataDir(t);
  const idp = await startTestIdp(t, { dataDir });
  const pem = await readFile(join(dataDir, DATA_FILES.daemonCertKey), 'utf8');
  const { token_endpoint } = await discover(idp.issuer);
  const assertion = await new SignJWT({})
    .setProtectedHeader({ alg: 'PS256', typ: 'JWT' })
    .setIssuer(DEV_CLIENT_IDS.daemonCert)
    .setSubject(DEV_CLIENT_IDS.daemonCert)
    .setAudience(token_endpoint)
    .setJti(randomUUID())
    .setIssuedAt()
    .setExpirationTime('10m')
    .sign(await importPKCS8(pem, 'PS256'));
  const form = {
    client_id: DEV_CLIENT_IDS.daemonCert,
    client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    client_assertion: assertion,
  };
  const key = await dpopKey();
  const proof = await key.proof(token_endpoint);
  const first = await tokenRequest(token_endpoint, form, proof);
  assert.equal(first.status, 200, JSON.stringify(first.body));
  assert.equal(first.body.token_type, 'DPoP');
  // The same assertion again, with a fresh proof: accepted (the assertion is not a replay).
  const second = await tokenRequest(token_endpoint, form, await key.proof(token_endpoint));
  assert.equal(second.status, 200, JSON.stringify(second.body));
  // The same assertion with the first proof again: the proof is a replay.
  const replayed = await tokenRequest(token_endpoint, form, proof);
  assert.equal(replayed.status, 400, JSON.stringify(replayed.body));
  assert.equal(replayed.body.error, 'invalid_grant');
  // And the assertion alone, without DPoP, still works.
  assert.equal((await tokenRequest(token_endpoint, form)).status, 200);
});

test('dev IdP: todo-daemon-dpop gets a token only with a DPoP proof (dpop_bound_access_tokens, RFC 9449 §5.2)', async (t) => {
  const idp = await startTestIdp(t);
  const { token_endpoint } = await discover(idp.issuer);
  const form = { client_id: DEV_CLIENT_IDS.daemonDpop, client_secret: DEV_DAEMON_DPOP_SECRET };
  const refused = await tokenRequest(token_endpoint, form);
  assert.equal(refused.status, 400, JSON.stringify(refused.body));
  assert.equal(refused.body.error, 'invalid_grant');
  const key = await dpopKey();
  const bound = await tokenRequest(token_endpoint, form, await key.proof(token_endpoint));
  assert.equal(bound.status, 200, JSON.stringify(bound.body));
  const { payload } = await verifyAccessToken(String(bound.body.access_token), idp.issuer);
  assert.deepEqual(payload.cnf, { jkt: key.jkt });
  assert.equal(payload.azp, DEV_CLIENT_IDS.daemonDpop);
});

test('dev IdP: every profile and authority binds tokens to a proof naming its discovered token endpoint (htu, RFC 9449 §4.2)', async (t) => {
  for (const profile of ['entra', 'auth0', 'keycloak'] as const satisfies readonly ProfileName[]) {
    const idp = await startTestIdp(t, { profile });
    for (const authority of idp.authorities) {
      const { token_endpoint } = await discover(authority.issuer, authority.metadataUrl);
      const key = await dpopKey();
      const response = await fetch(token_endpoint, {
        method: 'POST',
        headers: { dpop: await key.proof(token_endpoint) },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          ...secretForm,
          ...clientCredentialsParams(profile, undefined),
        }),
      });
      const body = (await response.json()) as Record<string, unknown>;
      assert.equal(response.status, 200, `${profile} ${authority.id}: ${JSON.stringify(body)}`);
      assert.equal(body.token_type, 'DPoP', `${profile} ${authority.id}`);
      const claims = JSON.parse(
        Buffer.from(String(body.access_token).split('.')[1] ?? '', 'base64url').toString(),
      ) as { cnf?: { jkt?: string } };
      assert.equal(claims.cnf?.jkt, key.jkt, `${profile} ${authority.id}`);
    }
  }
});
