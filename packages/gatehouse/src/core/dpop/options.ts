import { ConfigurationError } from '../errors.ts';
import { ASYMMETRIC_ALGORITHMS, type AsymmetricAlgorithm } from '../key-store.ts';
import { MemoryReplayStore, type ReplayStore } from './replay.ts';

/**
 * `off`: the DPoP scheme counts as no credential; `allowed`: Bearer and DPoP; `required`: DPoP
 * only. Whatever the mode, a DPoP-bound token (`cnf.jkt`) sent as Bearer is refused (RFC 9449 §7.2).
 */
export type DpopMode = 'off' | 'allowed' | 'required';

export interface DpopOptions {
  /** @default 'allowed' */
  mode?: DpopMode;
  /** Proof signature algorithms accepted (asymmetric only, RFC 9449 §4.3 check 5). @default ES256, ES384, ES512, PS256, PS384, PS512, RS256, RS384, RS512, EdDSA */
  algorithms?: readonly AsymmetricAlgorithm[];
  /** Seconds a proof's `iat` may lie in the past, before the clock tolerance (RFC 9449 §11.1). @default 60 */
  iatWindow?: number;
  /** Seen `jti`s (RFC 9449 §11.1). @default a `MemoryReplayStore` (one process only) */
  replayStore?: ReplayStore;
  /**
   * The URL clients call, for `htu` (RFC 9449 §4.3 check 9) behind a proxy or load balancer:
   * scheme, host, port and an optional path prefix, e.g. `https://api.example.com/v1`. Without it
   * the URL is rebuilt from the request (`Host` header, and TLS when Node terminated it).
   */
  publicUrl?: string;
  /**
   * In `allowed` mode, add the `DPoP algs="..."` challenge to every 401, not only to requests that
   * used the DPoP scheme. Off by default: Bearer clients keep the exact RFC 6750 answers they had.
   * @default false
   */
  advertise?: boolean;
  /**
   * Server nonces (RFC 9449 §9): proofs must carry a `nonce` this server handed out in a
   * `DPoP-Nonce` header. Stateless: an HMAC of a time slot under `secret` (at least 32 characters;
   * the same on every instance), valid for one to two `lifetime`s (seconds, default 300).
   */
  nonce?: { secret: string; lifetime?: number };
}

export interface ResolvedDpop {
  mode: DpopMode;
  algorithms: readonly AsymmetricAlgorithm[];
  iatWindow: number;
  replayStore: ReplayStore;
  publicUrl: URL | undefined;
  advertise: boolean;
  nonce: { secret: string; lifetime: number } | undefined;
}

const KEYS = ['mode', 'algorithms', 'iatWindow', 'replayStore', 'publicUrl', 'advertise', 'nonce'];
const MODES: readonly DpopMode[] = ['off', 'allowed', 'required'];

export function resolveDpop(value: DpopMode | DpopOptions | undefined): ResolvedDpop {
  const options: DpopOptions = typeof value === 'string' ? { mode: value } : (value ?? {});
  if (options === null || typeof options !== 'object')
    throw new ConfigurationError('dpop', 'must be "off", "allowed", "required" or an object');
  for (const key of Object.keys(options))
    if (!KEYS.includes(key)) throw new ConfigurationError(`dpop.${key}`, 'is not a known option');
  const mode = options.mode ?? 'allowed';
  if (!MODES.includes(mode))
    throw new ConfigurationError('dpop.mode', 'must be "off", "allowed" or "required"');
  const algorithms = options.algorithms ?? ASYMMETRIC_ALGORITHMS;
  if (
    !Array.isArray(algorithms) ||
    algorithms.length === 0 ||
    algorithms.some((alg) => !(ASYMMETRIC_ALGORITHMS as readonly string[]).includes(alg))
  ) {
    throw new ConfigurationError(
      'dpop.algorithms',
      `must be a non-empty list of asymmetric algorithms (${ASYMMETRIC_ALGORITHMS.join(', ')})`,
    );
  }
  const iatWindow = options.iatWindow ?? 60;
  if (typeof iatWindow !== 'number' || !Number.isFinite(iatWindow) || iatWindow < 1 || iatWindow > 600)
    throw new ConfigurationError('dpop.iatWindow', 'must be a number from 1 to 600');
  const store = options.replayStore ?? new MemoryReplayStore();
  if (typeof (store as { seen?: unknown }).seen !== 'function')
    throw new ConfigurationError('dpop.replayStore', 'must have a seen(jti, expiresAt) method');
  let publicUrl: URL | undefined;
  if (options.publicUrl !== undefined) {
    try {
      publicUrl = new URL(options.publicUrl);
    } catch {
      throw new ConfigurationError('dpop.publicUrl', 'must be an absolute URL');
    }
    if (
      (publicUrl.protocol !== 'https:' && publicUrl.protocol !== 'http:') ||
      publicUrl.search !== '' ||
      publicUrl.hash !== ''
    )
      throw new ConfigurationError('dpop.publicUrl', 'must be an http(s) URL without query or fragment');
  }
  if (options.advertise !== undefined && typeof options.advertise !== 'boolean')
    throw new ConfigurationError('dpop.advertise', 'must be a boolean');
  let nonce: ResolvedDpop['nonce'];
  if (options.nonce !== undefined) {
    const { secret, lifetime = 300 } = options.nonce ?? {};
    if (typeof secret !== 'string' || secret.length < 32)
      throw new ConfigurationError('dpop.nonce.secret', 'must be a string of at least 32 characters');
    if (typeof lifetime !== 'number' || !Number.isFinite(lifetime) || lifetime < 10 || lifetime > 86_400)
      throw new ConfigurationError('dpop.nonce.lifetime', 'must be a number of seconds from 10 to 86400');
    nonce = { secret, lifetime };
  }
  return {
    nonce,
    mode,
    algorithms: Object.freeze([...algorithms]),
    iatWindow,
    replayStore: store,
    publicUrl,
    advertise: options.advertise ?? false,
  };
}
