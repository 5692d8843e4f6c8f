/**
 * Sessions ended on the server: the session cookie is sealed, so clearing it in the browser does
 * not stop a copy taken earlier. Each session carries a random id; signing out records it here
 * until the cookie would have expired anyway, and a recorded id is never accepted again.
 *
 * In this process's memory: with several web instances behind one load balancer, a copy replayed
 * to another instance than the one that signed out is still accepted there (until the refresh
 * token, revoked at the provider, is needed). Memory is bounded: past `maxEntries` live records,
 * the oldest record is dropped (and reported) rather than growing without limit.
 */
import { randomBytes } from 'node:crypto';

export interface RevokedSessions {
  /** Records `id` as ended until `untilSeconds` (seconds since the epoch). */
  revoke(id: string, untilSeconds: number): void;
  isRevoked(id: string): boolean;
  readonly size: number;
}

export interface RevokedSessionsOptions {
  /** Milliseconds since the epoch. @default Date.now */
  now?: () => number;
  /** @default 100_000 (a few MB) */
  maxEntries?: number;
  /** Told when a live record had to be dropped to stay within `maxEntries`. */
  onOverflow?: (dropped: number) => void;
}

/** 128 random bits: an id for a new session. */
export function newSessionId(): string {
  return randomBytes(16).toString('base64url');
}

export function createRevokedSessions(options: RevokedSessionsOptions = {}): RevokedSessions {
  const now = options.now ?? Date.now;
  const maxEntries = options.maxEntries ?? 100_000;
  // id -> expiry in ms; Map keeps insertion order, so the first entries are the oldest records.
  const records = new Map<string, number>();

  function sweep(): void {
    const at = now();
    for (const [id, until] of records) if (until <= at) records.delete(id);
  }

  return {
    revoke(id, untilSeconds) {
      const until = untilSeconds * 1000;
      if (until <= now()) return;
      records.delete(id);
      records.set(id, until);
      if (records.size <= maxEntries) return;
      sweep();
      let dropped = 0;
      for (const id of records.keys()) {
        if (records.size <= maxEntries) break;
        records.delete(id);
        dropped += 1;
      }
      if (dropped > 0) options.onOverflow?.(dropped);
    },
    isRevoked(id) {
      const until = records.get(id);
      if (until === undefined) return false;
      if (until > now()) return true;
      records.delete(id);
      return false;
    },
    get size() {
      return records.size;
    },
  };
}
