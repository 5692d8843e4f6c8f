import { KeyObject } from 'node:crypto';
import { importJWK, type JWK } from 'jose';
import type { Logger } from '../logger.ts';
import { type VerificationKey, verificationKey } from './signature.ts';
import { fitsAlgorithm, type StoredKey, toStoredKey } from './stored-key.ts';

export type { StoredKey } from './stored-key.ts';

/** Asymmetric JWS algorithms only: `none` and HMAC can never be configured. */
export const ASYMMETRIC_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
] as const;
export type AsymmetricAlgorithm = (typeof ASYMMETRIC_ALGORITHMS)[number];

/** What a token header says about its key. */
export interface KeyQuery {
  alg: string;
  kid?: string | undefined;
  x5t?: string | undefined;
}

export type KeyMatch =
  | { kind: 'found'; keys: readonly StoredKey[] }
  | { kind: 'refused'; reason: string }
  | { kind: 'none' };

/** An immutable, validated view of one JWKS document. */
export class KeyStore {
  readonly keys: readonly StoredKey[];
  readonly #importing = new Map<string, Promise<VerificationKey>>();
  /** The imports that have finished: what synchronous verification reads. */
  readonly #imported = new Map<string, VerificationKey>();

  constructor(keys: readonly StoredKey[]) {
    this.keys = keys;
  }

  /** Parses a JWKS document, dropping keys that cannot verify signatures. Throws on a non-JWKS. */
  static fromJwks(document: unknown): KeyStore {
    const keys = (document as { keys?: unknown } | null)?.keys;
    if (!Array.isArray(keys)) throw new TypeError('JWKS document has no "keys" array');
    const stored: StoredKey[] = [];
    for (const raw of keys) {
      if (raw !== null && typeof raw === 'object' && !Array.isArray(raw)) {
        const key = toStoredKey(raw as Record<string, unknown>);
        if (key) stored.push(key);
      }
    }
    return new KeyStore(stored);
  }

  /**
   * As `fromJwks`, logging refused keys. A set with no signature key at all fails, so the last good
   * set stays; a set of only refused keys loads, so their tokens get 401, never 503.
   */
  static fromJwksOrFail(document: unknown, source: string, logger: Logger): KeyStore {
    const store = KeyStore.fromJwks(document);
    for (const key of store.keys) {
      if (key.refused) {
        logger.warn?.(
          { kid: key.kid, source },
          `gatehouse: key ${printable(key.kid)} refused, tokens it signed get 401: ${key.refused}`,
        );
      }
    }
    if (store.keys.length === 0) {
      throw new TypeError(`key set from ${source} holds no signature key`);
    }
    return store;
  }

  /** The public JWKS this store was built from, for snapshots. */
  toJwks(): { keys: JWK[] } {
    return {
      keys: this.keys.map((k) => ({ ...k.jwk, ...(k.issuer === undefined ? {} : { issuer: k.issuer }) })),
    };
  }

  get kids(): string[] {
    return this.keys.flatMap((k) => (k.kid === undefined ? [] : [k.kid]));
  }

  /**
   * Selects candidate keys the way the token header allows: by `kid`; without one, by `x5t`
   * (2014-era Entra tokens) or by being the only key that fits the algorithm.
   */
  match(header: KeyQuery): KeyMatch {
    let candidates: StoredKey[];
    if (header.kid !== undefined) candidates = this.keys.filter((k) => k.kid === header.kid);
    else if (header.x5t !== undefined) candidates = this.keys.filter((k) => k.x5t === header.x5t);
    else candidates = [...this.keys];
    const fitting = candidates.filter((k) => fitsAlgorithm(k.jwk, header.alg));
    const usable = fitting.filter((k) => k.refused === undefined);
    if (usable.length > 0) return { kind: 'found', keys: usable };
    const refused = fitting.find((k) => k.refused !== undefined);
    if (refused) return { kind: 'refused', reason: refused.refused! };
    return { kind: 'none' };
  }

  /**
   * Imports the node:crypto key once per key through jose's JWK import; `imported` reads it from
   * then on. One `KeyObject` serves every algorithm the key fits (RS* and PS* share an RSA key).
   */
  importKey(key: StoredKey, alg: string): Promise<VerificationKey> {
    let importing = this.#importing.get(key.id);
    if (!importing) {
      importing = importJWK({ ...key.jwk, ext: true }, alg).then((k) => {
        const verification = verificationKey(KeyObject.from(k as CryptoKey));
        this.#imported.set(key.id, verification);
        return verification;
      });
      this.#importing.set(key.id, importing);
      // A key that fails to import must not be cached as a rejected promise forever.
      importing.catch(() => this.#importing.delete(key.id));
    }
    return importing;
  }

  /**
   * Starts importing every usable key now, so the first token a key signs is verified without
   * waiting for its import. A key that fails to import is left to `importKey` to report.
   */
  prepare(): void {
    for (const key of this.keys) {
      if (key.refused !== undefined) continue;
      const alg = ASYMMETRIC_ALGORITHMS.find((a) => fitsAlgorithm(key.jwk, a));
      if (alg !== undefined) this.importKey(key, alg).catch(() => {});
    }
  }

  /** The node:crypto key once `importKey` has finished (undefined before, or if it failed). */
  imported(key: StoredKey): VerificationKey | undefined {
    return this.#imported.get(key.id);
  }
}

/** A `kid` as it goes into a log line: quoted, non-printable and non-ASCII escaped, bounded. */
function printable(kid: string | undefined): string {
  if (kid === undefined) return '(no kid)';
  const shown = kid.length > 100 ? `${kid.slice(0, 100)}...` : kid;
  return JSON.stringify(shown).replace(
    /[^\x20-\x7e]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
