import { ConfigurationError } from '../errors.ts';
import { ASYMMETRIC_ALGORITHMS, type AsymmetricAlgorithm } from '../keys/key-store.ts';
import { booleanOption, choiceOption, numberOption, refuseUnknown } from '../option-rules.ts';
import { DPOP_NONCE_OPTIONS, DPOP_OPTIONS } from '../option-table.ts';
import { MemoryReplayStore, type ReplayStore } from './replay.ts';

/**
 * `off`: the DPoP scheme counts as no credential; `allowed`: Bearer and DPoP; `required`: DPoP
 * only. Whatever the mode, a DPoP-bound token (`cnf.jkt`) sent as Bearer is refused (RFC 9449 §7.2).
 */
export type DpopMode = 'off' | 'allowed' | 'required';

export interface DpopOptions {
  /** @default 'allowed' */
  mode?: DpopMode;
  /** Proof signature algorithms accepted (asymmetric only, RFC 9449 §4.3 check 5). @default every asymmetric JWS algorithm */
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
   * the same on every instance), valid for one to two `lifetime`s. Handed out on use_dpop_nonce
   * refusals, and on any answer to a proof whose nonce is the previous slot's (§8.2).
   */
  nonce?: {
    secret: string;
    /** Seconds. @default 300 */
    lifetime?: number;
  };
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

export function resolveDpop(value: DpopMode | DpopOptions | undefined): ResolvedDpop {
  const options: DpopOptions = typeof value === 'string' ? { mode: value } : (value ?? {});
  if (options === null || typeof options !== 'object')
    throw new ConfigurationError('dpop', 'must be "off", "allowed", "required" or an object');
  refuseUnknown(options, DPOP_OPTIONS, 'dpop.');
  // `null` has always meant "the default" for these two.
  const mode = choiceOption<DpopMode>(DPOP_OPTIONS.mode, options.mode ?? undefined, 'dpop.mode');
  const algorithms = options.algorithms ?? DPOP_OPTIONS.algorithms.default;
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
  const iatWindow = numberOption(DPOP_OPTIONS.iatWindow, options.iatWindow ?? undefined, 'dpop.iatWindow');
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
  const advertise = booleanOption(DPOP_OPTIONS.advertise, options.advertise, 'dpop.advertise');
  let nonce: ResolvedDpop['nonce'];
  if (options.nonce !== undefined) {
    const { secret, lifetime = DPOP_NONCE_OPTIONS.lifetime.default } = options.nonce ?? {};
    if (typeof secret !== 'string' || secret.length < 32)
      throw new ConfigurationError('dpop.nonce.secret', 'must be a string of at least 32 characters');
    const { min, max } = DPOP_NONCE_OPTIONS.lifetime;
    if (typeof lifetime !== 'number' || !Number.isFinite(lifetime) || lifetime < min || lifetime > max)
      throw new ConfigurationError(
        'dpop.nonce.lifetime',
        `must be a number of seconds from ${min} to ${max}`,
      );
    nonce = { secret, lifetime };
  }
  return {
    nonce,
    mode,
    algorithms: Object.freeze([...algorithms]),
    iatWindow,
    replayStore: store,
    publicUrl,
    advertise,
  };
}
