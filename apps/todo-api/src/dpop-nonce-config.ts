/**
 * `AUTH_DPOP_NONCE_SECRET` / `AUTH_DPOP_NONCE_LIFETIME`: server-provided DPoP nonces (RFC 9449 §9).
 * Every instance behind one URL needs the same secret, since any of them may be asked to accept a
 * nonce another handed out; the lifetime bounds how long a captured proof could be prepared ahead.
 */
import { ConfigError } from './config-error.ts';

export interface DpopNonceSetting {
  secret: string;
  /** Seconds of a time slot; a nonce is valid for one to two of them. */
  lifetime: number;
}

/** Gatehouse's own bounds: a secret of 32+ characters, a lifetime of 10–86400 s. */
const MIN_SECRET_LENGTH = 32;
const DEFAULT_LIFETIME = 300;

type Env = Record<string, string | undefined>;

export function parseDpopNonce(env: Env): DpopNonceSetting | undefined {
  // Used as given: surrounding spaces could be part of the secret.
  const secret = env.AUTH_DPOP_NONCE_SECRET || undefined;
  const rawLifetime = env.AUTH_DPOP_NONCE_LIFETIME?.trim() || undefined;
  if (secret === undefined) {
    if (rawLifetime !== undefined)
      throw new ConfigError('AUTH_DPOP_NONCE_LIFETIME', 'must be set with AUTH_DPOP_NONCE_SECRET');
    return undefined;
  }
  if (secret.length < MIN_SECRET_LENGTH) {
    // Never the value: it is a secret.
    throw new ConfigError('AUTH_DPOP_NONCE_SECRET', `must be at least ${MIN_SECRET_LENGTH} characters`);
  }
  if (rawLifetime === undefined) return { secret, lifetime: DEFAULT_LIFETIME };
  const lifetime = Number(rawLifetime);
  if (!/^\d+$/.test(rawLifetime) || lifetime < 10 || lifetime > 86_400) {
    throw new ConfigError(
      'AUTH_DPOP_NONCE_LIFETIME',
      `must be a whole number of seconds from 10 to 86400 (got ${JSON.stringify(rawLifetime)})`,
    );
  }
  return { secret, lifetime };
}
