import assert from 'node:assert/strict';
import { chmod, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError } from 'gatehouse-todo-api/config-error';
import { decodeProtectedHeader } from 'jose';
import { createSessionCodec, openSession, openSignIn, sealSession, sealSignIn } from '../src/session.ts';
import { loadOrCreateKeyFile, loadSessionSecrets, SESSION_KEY_FILE } from '../src/session-key.ts';
import { containsJwt, SECRET, session } from './helpers.ts';

const OTHER = 'another-secret-that-is-long-enough-for-it';

function flip(token: string, index: number): string {
  const char = token[index] === 'A' ? 'B' : 'A';
  return token.slice(0, index) + char + token.slice(index + 1);
}

describe('session codec', () => {
  it('seals a compact JWE (dir, A256GCM) without its fixed header, which opens to the same session', async () => {
    const codec = createSessionCodec([SECRET]);
    const data = session({ accessToken: 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2ln' });
    const token = await sealSession(codec, data, 60);
    const [kid = '', iv = '', ciphertext = '', tag = '', ...extra] = token.split('.');
    assert.deepEqual(extra, []);
    assert.match(kid, /^[A-Za-z0-9_-]{12}$/);
    assert.equal(Buffer.from(iv, 'base64url').length, 12, '96-bit GCM nonce');
    assert.equal(Buffer.from(tag, 'base64url').length, 16, '128-bit GCM tag');
    assert.ok(ciphertext.length > 100);
    assert.ok(!containsJwt(token), 'nothing that looks like a JOSE object');
    const header = Buffer.from(JSON.stringify({ alg: 'dir', enc: 'A256GCM', kid })).toString('base64url');
    const jwe = `${header}..${iv}.${ciphertext}.${tag}`;
    assert.equal(decodeProtectedHeader(jwe).enc, 'A256GCM', 'a standard compact JWE once the header is back');
    assert.deepEqual(await openSession(codec, token), data);
    assert.ok(!token.includes(data.accessToken));
  });

  it('rejects any tampered part', async () => {
    const codec = createSessionCodec([SECRET]);
    const token = await sealSession(codec, session(), 60);
    const parts = token.split('.');
    let offset = 0;
    for (const part of parts) {
      assert.equal(await openSession(codec, flip(token, offset + Math.floor(part.length / 2))), undefined);
      offset += part.length + 1;
    }
    assert.equal(await openSession(codec, token.slice(0, -2)), undefined);
    assert.equal(await openSession(codec, `${token}.x`), undefined);
    assert.equal(await openSession(codec, 'eyJhbGciOiJub25lIn0.eyJ4IjoxfQ.'), undefined);
    assert.equal(await openSession(codec, ''), undefined);
  });

  it('rejects another key, an expired seal, and a sign-in cookie passed as a session', async () => {
    const sealed = await sealSession(createSessionCodec([OTHER]), session(), 60);
    assert.equal(await openSession(createSessionCodec([SECRET]), sealed), undefined);

    let now = Date.now();
    const clocked = createSessionCodec([SECRET], () => now);
    const short = await sealSession(clocked, session(), 60);
    now += 61_000;
    assert.equal(await openSession(clocked, short), undefined);

    const codec = createSessionCodec([SECRET]);
    const signIn = await sealSignIn(codec, { state: 's', nonce: 'n', codeVerifier: 'v' }, 60);
    assert.equal(await openSession(codec, signIn), undefined);
    assert.deepEqual(await openSignIn(codec, signIn), { state: 's', nonce: 'n', codeVerifier: 'v' });
    assert.equal(await openSignIn(codec, await sealSession(codec, session(), 60)), undefined);
  });

  it('opens cookies sealed with an older secret after rotation, and seals with the newest', async () => {
    const old = await sealSession(createSessionCodec([OTHER]), session(), 60);
    const rotated = createSessionCodec([SECRET, OTHER]);
    assert.equal((await openSession(rotated, old))?.userName, 'Alice Example');
    const fresh = await sealSession(rotated, session(), 60);
    assert.ok(await openSession(createSessionCodec([SECRET]), fresh));
  });

  it('stays well under one cookie with a realistic access token', async () => {
    const accessToken = `eyJ${'x'.repeat(1100)}`;
    const sealed = await sealSession(createSessionCodec([SECRET]), session({ accessToken }), 60);
    assert.ok(sealed.length < 2200, `${sealed.length} characters`);
  });
});

describe('session key file', () => {
  it('is generated once with mode 0600 and reused', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'todo-web-key-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const [first, second] = await Promise.all([loadOrCreateKeyFile(dir), loadOrCreateKeyFile(dir)]);
    assert.equal(first, second, 'two processes starting at once agree');
    assert.ok(first.length >= 32);
    const path = join(dir, SESSION_KEY_FILE);
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    assert.equal((await stat(join(dir, 'todo-web'))).mode & 0o777, 0o700);
    assert.equal((await readFile(path, 'utf8')).trim(), first);
    assert.deepEqual(await loadSessionSecrets({ sessionSecrets: [], dataDir: dir }), [first]);
  });

  it('prefers WEB_SESSION_SECRET and refuses a key file others can read', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'todo-web-key-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    assert.deepEqual(await loadSessionSecrets({ sessionSecrets: [SECRET], dataDir: dir }), [SECRET]);
    await loadOrCreateKeyFile(dir);
    await chmod(join(dir, SESSION_KEY_FILE), 0o644);
    await assert.rejects(loadOrCreateKeyFile(dir), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.equal(error.variable, 'DATA_DIR');
      assert.match(error.message, /chmod 600/);
      return true;
    });
  });
});
