/**
 * RFC 9470 step-up, the whole loop over HTTP: a resource server guarded by gatehouse-auth refuses
 * a password-only token with a challenge; the client signs in again asking for what the challenge
 * names (`acr_values`, `max_age`), and the new token passes.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { createGatehouse, requireAuthentication } from 'gatehouse-auth';
import { protect } from 'gatehouse-auth/node';
import { API_RESOURCE, DEV_ACR_VALUES, getUserToken } from '../src/index.ts';
import { discover } from '../src/token-client.ts';
import { startTestIdp, verifyAccessToken } from './helpers.ts';

/** The parameters of a `Bearer` challenge (quoted-string values; none of ours hold escapes). */
function challengeParams(header: string): Record<string, string> {
  assert.match(header, /^Bearer /);
  return Object.fromEntries([...header.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
}

test('step-up: password token refused with acr_values and max_age, a new sign-in with them passes', async (t) => {
  const idp = await startTestIdp(t);
  const metadata = (await discover(idp.issuer)) as { acr_values_supported?: string[] };
  assert.deepEqual(metadata.acr_values_supported, [...DEV_ACR_VALUES]);

  const gatehouse = createGatehouse({ issuer: idp.issuer, audience: API_RESOURCE });
  gatehouse.start();
  t.after(() => gatehouse.close());
  const guarded = protect(
    gatehouse,
    { require: [requireAuthentication({ acr: ['mfa'], maxAge: 600 })] },
    (_req, res, principal) => {
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ acr: principal?.authContext }));
    },
  );
  const server = createServer(guarded).listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  t.after(() => new Promise((resolve) => server.close(resolve)));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/transfer`;
  const callWith = (token: string) => fetch(url, { headers: { authorization: `Bearer ${token}` } });

  const first = await getUserToken({ issuer: idp.issuer, user: 'alice' });
  const firstClaims = (await verifyAccessToken(first.accessToken, idp.issuer)).payload;
  assert.equal(firstClaims.acr, 'pwd');
  assert.equal(typeof firstClaims.auth_time, 'number');
  assert.ok(Math.abs(Number(firstClaims.auth_time) - Date.now() / 1000) < 60);

  const refused = await callWith(first.accessToken);
  assert.equal(refused.status, 401);
  const challenge = refused.headers.get('www-authenticate') ?? '';
  assert.equal(
    challenge,
    'Bearer realm="api", error="insufficient_user_authentication", ' +
      'error_description="A different authentication level is required", acr_values="mfa", max_age="600"',
  );

  // The client asks for exactly what the challenge names (RFC 9470 §4).
  const asked = challengeParams(challenge);
  const second = await getUserToken({
    issuer: idp.issuer,
    user: 'alice',
    acrValues: asked.acr_values!,
    maxAge: Number(asked.max_age),
  });
  const secondClaims = (await verifyAccessToken(second.accessToken, idp.issuer)).payload;
  assert.equal(secondClaims.acr, 'mfa');
  assert.deepEqual(secondClaims.amr, ['pwd', 'otp', 'mfa']);
  const passed = await callWith(second.accessToken);
  assert.equal(passed.status, 200, await passed.clone().text());
  assert.deepEqual(await passed.json(), { acr: ['mfa'] });
});
