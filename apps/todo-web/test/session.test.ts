import assert from 'node:assert/strict';
import { chmod, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError } from '../src/config.ts';
import { createSessionCodec, openSession, openSignIn, sealSession, sealSignIn } from '../src/session.ts';
import { loadOrCreateKeyFile, loadSessionSecrets, SESSION_KEY_FILE } from '../src/session-key.ts';
import { SECRET, session } from './helpers.ts';

const OTHER = 'another-secret-that-is-long-enough-for-it';

function flip(token: string, index: number): string {
  const char = token[index] === 'A' ? 'B' : 'A';
  return token.slice(0, index) + char + token.slice(index + 1);
}

describe('session codec', () => {
  it('seals a compact JWE (dir, A256GCM) that opens to the same session', async () => {
    const codec = createSessionCodec([SECRET]);
    const data = session();
    const token = await sealSession(codec, data, 60);
    const parts = token.split('.');
    assert.equal(parts.length, 5);
    assert.equal(parts[1], '', 'dir: no encrypted key');
    const header = JSON.parse(Buffer.from(parts[0] ?? '', 'base64url').toString());
    assert.equal(header.alg, 'dir');
    assert.equal(header.enc, 'A256GCM');
    assert.deepEqual(await openSession(codec, token), data);
    assert.ok(
      !token.includes(data.accessToken) && !token.includes('eyJhbGciOiJSUzI1NiI'),
      'no token in clear',
    );
  });

  it('rejects any tampered part', async () => {
    const codec = createSessionCodec([SECRET]);
    const token = await sealSession(codec, session(), 60);
    const [header = '', , iv = '', ciphertext = '', tag = ''] = token.split('.');
    const offsets = [
      Math.floor(header.length / 2),
      header.length + 2 + Math.floor(iv.length / 2),
      header.length + 3 + iv.length + Math.floor(ciphertext.length / 2),
      token.length - Math.ceil(tag.length / 2),
    ];
    for (const offset of offsets) assert.equal(await openSession(codec, flip(token, offset)), undefined);
    assert.equal(await openSession(codec, token.slice(0, -2)), undefined);
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
