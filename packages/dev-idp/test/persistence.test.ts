import assert from 'node:assert/strict';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { decodeProtectedHeader } from 'jose';
import { getAppToken, getUserToken, refreshUserToken, startDevIdp } from '../src/index.ts';
import { silent, tempDataDir, verifyAccessToken } from './helpers.ts';

test('keys persist: a token from the first run verifies against the second run, same kid', async (t) => {
  const dataDir = await tempDataDir(t);
  const first = await startDevIdp({ port: 0, dataDir, logger: silent });
  let token: string;
  try {
    token = (await getAppToken({ issuer: first.issuer })).accessToken;
  } finally {
    await first.close();
  }

  const second = await startDevIdp({ port: 0, dataDir, logger: silent });
  t.after(() => second.close());
  const { kid } = await verifyAccessToken(token, second.issuer, first.issuer);
  assert.equal(kid, decodeProtectedHeader((await getAppToken({ issuer: second.issuer })).accessToken).kid);
});

test('generated files are readable by the owner only', async (t) => {
  const dataDir = await tempDataDir(t);
  const idp = await startDevIdp({ port: 0, dataDir, logger: silent });
  await getUserToken({ issuer: idp.issuer, user: 'alice' });
  await idp.close();

  const files = [
    ...(await readdir(dataDir)).filter((name) => name !== 'store'),
    ...(await readdir(join(dataDir, 'store'))).map((name) => join('store', name)),
  ];
  assert.ok(files.includes('signing-keys.jwks.json'));
  assert.ok(files.includes('cookie-keys.json'));
  assert.ok(files.includes('daemon-cert.jwks.json'));
  assert.ok(files.includes('daemon-cert.key.pem'));
  assert.ok(files.includes(join('store', 'RefreshToken.json')));
  for (const name of files) {
    assert.equal((await stat(join(dataDir, name))).mode & 0o777, 0o600, name);
  }
});

test('a signed-in user stays signed in across a restart: the refresh token still works', async (t) => {
  const dataDir = await tempDataDir(t);
  const first = await startDevIdp({ port: 0, dataDir, logger: silent });
  let refreshToken: string | undefined;
  try {
    refreshToken = (await getUserToken({ issuer: first.issuer, user: 'alice' })).refreshToken;
  } finally {
    await first.close();
  }
  assert.ok(refreshToken);

  // Same port, so the same issuer, as a developer restarting `npm start` gets.
  const second = await startDevIdp({ port: Number(new URL(first.url).port), dataDir, logger: silent });
  t.after(() => second.close());
  assert.equal(second.issuer, first.issuer);
  const refreshed = await refreshUserToken({ issuer: second.issuer, refreshToken });
  const { payload } = await verifyAccessToken(refreshed.accessToken, second.issuer);
  assert.equal(payload.scp, 'ToDoList.Read ToDoList.ReadWrite');
});
