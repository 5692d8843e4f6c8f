/**
 * Encrypts and decrypts what the app keeps in cookies: a compact JWE (`dir` + A256GCM, jose's
 * `EncryptJWT`) with `iat`, `exp` and an audience naming its purpose, so a sign-in cookie cannot
 * pass for a session. Keys are derived with HKDF from secrets; the first seals, all open (rotation).
 *
 * The cookie holds `kid.iv.ciphertext.tag`: the protected header is fixed by the key id, so it is
 * left out (and rebuilt, byte for byte, to open). That saves ~80 characters and leaves nothing in
 * the cookie that looks like a JOSE object (`eyJ...`).
 */
import { hkdfSync } from 'node:crypto';
import { EncryptJWT, type JWTPayload, jwtDecrypt } from 'jose';

/** What a signed-in browser carries (encrypted): only what calling the API needs. */
export interface SessionData {
  /** Random id, so that signing out can end this session on the server (revoked-sessions.ts). */
  id: string;
  /** Display name of the user (ID token `name`, else `preferred_username`, else `sub`). */
  userName: string;
  accessToken: string;
  refreshToken: string | undefined;
  /** When the access token expires, in seconds since the epoch. */
  expiresAt: number;
  /** Synchronizer token every form must echo. */
  csrf: string;
  /** When the user signed in, in seconds since the epoch: refreshing never extends the session past its maximum. */
  signedInAt: number;
}

/** A sign-in in progress: what the callback must check and send. */
export interface SignInData {
  state: string;
  nonce: string;
  codeVerifier: string;
  /** A step-up sign-in (RFC 9470): the callback returns to the list saying so. */
  stepUp?: true;
  /** The `max_age` asked for: the ID token's `auth_time` must honour it. */
  maxAge?: number;
}

export type Purpose = 'session' | 'sign-in';

interface SessionKey {
  kid: string;
  key: Uint8Array;
}

export interface SessionCodec {
  seal(purpose: Purpose, payload: Record<string, unknown>, ttlSeconds: number): Promise<string>;
  /** The payload, or undefined for anything tampered, expired, for another purpose or another key. */
  open(purpose: Purpose, token: string): Promise<JWTPayload | undefined>;
}

const AUDIENCE: Record<Purpose, string> = { session: 'todo-web/session', 'sign-in': 'todo-web/sign-in' };

function derive(secret: string, info: string, length: number): Uint8Array {
  return new Uint8Array(hkdfSync('sha256', secret, 'gatehouse todo-web', info, length));
}

/** A 256-bit key and its id, both derived from `secret`; the id reveals nothing of the key. */
export function deriveSessionKey(secret: string): SessionKey {
  return {
    kid: Buffer.from(derive(secret, 'session key id', 9)).toString('base64url'),
    key: derive(secret, 'session A256GCM key', 32),
  };
}

function protectedHeader(kid: string) {
  return { alg: 'dir', enc: 'A256GCM', kid };
}

/** The protected header as jose serializes it: JSON in this key order, then base64url. */
function encodedHeader(kid: string): string {
  return Buffer.from(JSON.stringify(protectedHeader(kid))).toString('base64url');
}

export function createSessionCodec(secrets: readonly string[], now: () => number = Date.now): SessionCodec {
  const keys = secrets.map(deriveSessionKey);
  const current = keys[0];
  if (!current) throw new TypeError('createSessionCodec: at least one secret is required');
  return {
    async seal(purpose, payload, ttlSeconds) {
      const issuedAt = Math.floor(now() / 1000);
      const jwe = await new EncryptJWT(payload)
        .setProtectedHeader(protectedHeader(current.kid))
        .setAudience(AUDIENCE[purpose])
        .setIssuedAt(issuedAt)
        .setExpirationTime(issuedAt + ttlSeconds)
        .encrypt(current.key);
      const prefix = `${encodedHeader(current.kid)}..`;
      if (!jwe.startsWith(prefix)) throw new Error('session: unexpected JWE protected header');
      return `${current.kid}.${jwe.slice(prefix.length)}`;
    },
    async open(purpose, token) {
      const [kid = '', ...rest] = token.split('.');
      const found = keys.find((candidate) => candidate.kid === kid);
      if (!found || rest.length !== 3) return undefined;
      try {
        const { payload } = await jwtDecrypt(`${encodedHeader(kid)}..${rest.join('.')}`, found.key, {
          audience: AUDIENCE[purpose],
          currentDate: new Date(now()),
          requiredClaims: ['exp', 'iat'],
          keyManagementAlgorithms: ['dir'],
          contentEncryptionAlgorithms: ['A256GCM'],
        });
        return payload;
      } catch {
        return undefined;
      }
    },
  };
}

function isString(value: unknown): value is string {
  return typeof value === 'string' && value !== '';
}

export function sealSession(codec: SessionCodec, data: SessionData, ttlSeconds: number): Promise<string> {
  const { id, userName, accessToken, refreshToken, expiresAt, csrf, signedInAt } = data;
  const claims = {
    sid: id,
    name: userName,
    at: accessToken,
    rt: refreshToken,
    ate: expiresAt,
    csrf,
    sia: signedInAt,
  };
  return codec.seal('session', claims, ttlSeconds);
}

export async function openSession(codec: SessionCodec, token: string): Promise<SessionData | undefined> {
  const payload = await codec.open('session', token);
  if (!payload) return undefined;
  const { sid, name, at, rt, ate, csrf, sia } = payload;
  // Without an id a session could not be ended on the server: not accepted.
  if (!isString(sid) || !isString(name) || !isString(at) || !isString(csrf)) return undefined;
  if (typeof ate !== 'number' || typeof sia !== 'number') return undefined;
  if (rt !== undefined && !isString(rt)) return undefined;
  return {
    id: sid,
    userName: name,
    accessToken: at,
    refreshToken: rt,
    expiresAt: ate,
    csrf,
    signedInAt: sia,
  };
}

export function sealSignIn(codec: SessionCodec, data: SignInData, ttlSeconds: number): Promise<string> {
  return codec.seal('sign-in', { ...data }, ttlSeconds);
}

export async function openSignIn(codec: SessionCodec, token: string): Promise<SignInData | undefined> {
  const payload = await codec.open('sign-in', token);
  if (!payload) return undefined;
  const { state, nonce, codeVerifier, stepUp, maxAge } = payload;
  if (!isString(state) || !isString(nonce) || !isString(codeVerifier)) return undefined;
  if (stepUp !== undefined && stepUp !== true) return undefined;
  if (maxAge !== undefined && !(Number.isInteger(maxAge) && typeof maxAge === 'number' && maxAge >= 0))
    return undefined;
  return {
    state,
    nonce,
    codeVerifier,
    ...(stepUp ? { stepUp } : {}),
    ...(typeof maxAge === 'number' ? { maxAge } : {}),
  };
}
