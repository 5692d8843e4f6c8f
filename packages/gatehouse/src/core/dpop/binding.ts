/**
 * The DPoP gate (RFC 9449 §7): decides which scheme a request used, checks the proof on every
 * request (no cache skips it), binds the token to the proof key, records the `jti`, and refuses a
 * DPoP-bound token presented as a bearer token whatever the mode.
 */
import { hash } from 'node:crypto';
import type { AuthenticateOptions } from '../authenticate-options.ts';
import { GatehouseError } from '../errors.ts';
import { extractBearerToken, type RequestLike } from '../extract.ts';
import type { Principal } from '../principal.ts';
import { certificateThumbprint, checkCertificateBinding, type ResolvedMtls } from './certificate.ts';
import { rememberDpopRequest, tagChallenge } from './challenge.ts';
import { DpopProofError, DpopTokenError, ReplayStoreUnavailableError } from './errors.ts';
import { NonceSource } from './nonce.ts';
import type { ResolvedDpop } from './options.ts';
import { checkProof, type VerifiedProof } from './proof.ts';
import { seenDigest } from './replay.ts';
import { extractDpopToken, extractProof, requestTarget } from './request.ts';

type Outcome = Principal | null | Promise<Principal | null>;

/**
 * One authenticate call watched for diagnostics, made only when someone listens. The gate tells it
 * the final outcome once (the error as the caller gets it); a token accepted as such and then
 * refused by the gate (a bound token sent as Bearer, a replayed proof) is a refusal, never both.
 */
export interface GateObservation {
  /** The token itself checked out (`cached`: the verified-token cache answered); not yet the outcome. */
  verified(principal: Principal, cached: boolean): void;
  accepted(principal: Principal): void;
  refused(error: unknown): void;
}

export interface DpopGateDeps {
  /** Milliseconds since the epoch. */
  now: () => number;
  /** Seconds. */
  clockTolerance: number;
  /**
   * Called once per authenticate call: where to tell its outcome, or undefined when nobody listens
   * (then nothing is built and no clock is read for diagnostics).
   */
  observe: () => GateObservation | undefined;
  /**
   * The token's principal: from the verified-token cache, or verified afresh. Throws or rejects.
   * Tells `observation`, when given, that the token checked out and whether the cache answered.
   */
  verifyToken: (token: string, observation: GateObservation | undefined) => Principal | Promise<Principal>;
  /** Logs a refusal (never the token or the proof). */
  report: (error: unknown) => void;
}

/** The RFC 6750 path: `observation` as for `DpopGateDeps.verifyToken`. */
export type BearerPath = (
  request: RequestLike,
  options: AuthenticateOptions,
  observation: GateObservation | undefined,
) => Outcome;

export interface DpopGate {
  /** Runs `bearer` (the RFC 6750 path) unless the request uses the DPoP scheme. */
  authenticate(request: RequestLike, options: AuthenticateOptions, bearer: BearerPath): Outcome;
  /** Whether a principal may be answered from the cache for a Bearer request (`Gatehouse.cached`). */
  servesAsBearer(principal: Principal): boolean;
}

/** `cnf.jkt` of a token (RFC 9449 §6.1), or undefined when the token is not DPoP-bound. */
export function boundThumbprint(principal: Pick<Principal, 'claims'>): unknown {
  const cnf = principal.claims.cnf;
  if (cnf === null || typeof cnf !== 'object' || !('jkt' in cnf)) return undefined;
  return (cnf as { jkt: unknown }).jkt;
}

/**
 * §7.1: the refusal for a token whose `cnf.jkt` is `jkt` presented with a proof whose key has the
 * thumbprint `proofJkt`, or undefined when the token is bound to that very key.
 */
export function dpopBindingFailure(jkt: unknown, proofJkt: string): DpopTokenError | undefined {
  if (jkt === undefined) {
    return new DpopTokenError('ERR_DPOP_BINDING', {
      description: 'The access token is not DPoP-bound',
      detail: 'token sent with the DPoP scheme has no cnf.jkt',
    });
  }
  if (jkt !== proofJkt) {
    return new DpopTokenError('ERR_DPOP_BINDING', {
      description: 'The access token is not bound to the DPoP proof key',
      detail: 'cnf.jkt differs from the thumbprint of the proof key',
    });
  }
  return undefined;
}

export function createDpopGate(config: ResolvedDpop, mtls: ResolvedMtls, deps: DpopGateDeps): DpopGate {
  const policy = {
    algorithms: config.algorithms,
    iatWindow: config.iatWindow,
    clockTolerance: deps.clockTolerance,
  };
  const nonces = config.nonce
    ? new NonceSource(config.nonce.secret, config.nonce.lifetime, deps.now)
    : undefined;
  const context = (usedDpop: boolean, advertise = config.advertise) => ({
    mode: config.mode,
    algorithms: config.algorithms,
    usedDpop,
    advertise,
  });
  // Every accepted DPoP request is remembered with the same context: made once, not per request.
  const acceptedDpop = Object.freeze(context(true));
  const refuse = (error: unknown, usedDpop: boolean, advertise?: boolean): unknown => {
    deps.report(error);
    return tagChallenge(error, context(usedDpop, advertise));
  };

  const replayStoreFailed = (error: unknown) =>
    new ReplayStoreUnavailableError({
      detail: `replay store failed: ${error instanceof Error ? error.message : 'unknown error'}`,
      cause: error,
    });

  /**
   * Synchronous whenever the token's principal is at hand (the verified-token cache) and the replay
   * store answers at once (the memory store): a DPoP request then costs the proof check and no
   * extra turn of the event loop, as a Bearer request from the cache does.
   */
  function viaDpop(
    request: RequestLike,
    token: string,
    observation: GateObservation | undefined,
  ): Principal | Promise<Principal> {
    const proof = extractProof(request);
    const { method, htu } = requestTarget(request, config.publicUrl);
    const verified = checkProof(proof, { method, htu, accessToken: token, now: deps.now() }, policy);
    // §4.3 check 10 and §9: a nonce this server (or any instance sharing its secret) handed out;
    // one about to expire is answered with the next (§8.2), a current one costs nothing more.
    const freshNonce = nonces?.admit(verified.nonce);
    // The token may come from the verified-token cache; the proof above never does.
    const principal = deps.verifyToken(token, observation);
    return principal instanceof Promise
      ? principal.then((known) => bindAndRecord(known, verified, request, freshNonce))
      : bindAndRecord(principal, verified, request, freshNonce);
  }

  function bindAndRecord(
    principal: Principal,
    verified: VerifiedProof,
    request: RequestLike,
    freshNonce: string | undefined,
  ): Principal | Promise<Principal> {
    // §7.1: the token must be bound, to this very key.
    const unbound = dpopBindingFailure(boundThumbprint(principal), verified.jkt);
    if (unbound) throw unbound;
    // RFC 8705 §3: a token bound to a certificate as well needs that certificate too.
    checkCertificateBinding(principal, request, mtls);
    // §11.1: once per jti (qualified by the key, so one client cannot burn another's ids), for as
    // long as the iat check would still let the proof through.
    const expiresAt = (verified.iat + config.iatWindow + deps.clockTolerance + 1) * 1000;
    // Hashed: every record has the same small size whatever the client's jti.
    const digest = hash('sha256', `${verified.jkt}:${verified.jti}`, 'binary');
    let replayed: boolean | Promise<boolean>;
    try {
      replayed = seenDigest(config.replayStore, digest, expiresAt);
    } catch (error) {
      throw replayStoreFailed(error);
    }
    const accept = (seen: boolean): Principal => {
      if (seen) {
        throw new DpopProofError('ERR_DPOP_PROOF_REPLAY', {
          description: 'The DPoP proof was already used',
          detail: 'proof jti seen before within its window',
        });
      }
      rememberDpopRequest(request, freshNonce === undefined ? acceptedDpop : { ...acceptedDpop, freshNonce });
      return principal;
    };
    if (replayed instanceof Promise) {
      return replayed.then(accept, (error: unknown) => {
        throw replayStoreFailed(error);
      });
    }
    return accept(replayed);
  }

  function asBearer(principal: Principal | null, request: RequestLike): Principal | null {
    // §7.2 and §6: a DPoP-bound token is not a bearer token, in every mode (off included).
    if (principal !== null && boundThumbprint(principal) !== undefined) {
      throw refuse(
        new DpopTokenError('ERR_DPOP_BOUND_TOKEN_AS_BEARER', {
          description: 'A DPoP-bound token must be sent with the DPoP scheme and a proof',
          detail: 'token with cnf.jkt sent with the Bearer scheme',
        }),
        false,
        config.mode !== 'off',
      );
    }
    if (principal !== null) {
      try {
        // RFC 8705 §3: a certificate-bound token only with its certificate (sync: the fast path stays).
        checkCertificateBinding(principal, request, mtls);
      } catch (error) {
        throw refuse(error, false);
      }
    }
    return principal;
  }

  // An optional request without a token was judged by nobody: no event, as before DPoP was observed.
  const accepted = (principal: Principal | null, observation: GateObservation): Principal | null => {
    if (principal !== null) observation.accepted(principal);
    return principal;
  };

  function judge(
    request: RequestLike,
    options: AuthenticateOptions,
    bearer: BearerPath,
    observation: GateObservation | undefined,
  ): Outcome {
    if (config.mode !== 'off') {
      let token: string | undefined;
      try {
        token = extractDpopToken(request);
      } catch (error) {
        // Two Authorization headers: the bearer path answers that malformed request as it always did.
        if (!(error instanceof GatehouseError) || error.code !== 'ERR_REQUEST_INVALID')
          throw refuse(error, true);
      }
      if (token !== undefined) {
        let outcome: Principal | Promise<Principal>;
        try {
          outcome = viaDpop(request, token, observation);
        } catch (error) {
          throw refuse(error, true);
        }
        if (outcome instanceof Promise) {
          return outcome.catch((error: unknown) => {
            throw refuse(error, true);
          });
        }
        return outcome;
      }
      if (config.mode === 'required') {
        let bearerToken: string | undefined;
        try {
          bearerToken = extractBearerToken(request);
        } catch {
          bearerToken = undefined; // the bearer path below refuses the malformed request itself
        }
        if (bearerToken !== undefined) {
          throw refuse(
            new DpopTokenError('ERR_DPOP_REQUIRED', {
              description: 'This resource requires a DPoP-bound token and a DPoP proof',
              detail: 'token sent with the Bearer scheme where DPoP is required',
            }),
            false,
          );
        }
      }
    }
    let outcome: Outcome;
    try {
      outcome = bearer(request, options, observation);
    } catch (error) {
      throw tagChallenge(error, context(false));
    }
    if (outcome instanceof Promise) {
      return outcome.then(
        (principal) => asBearer(principal, request),
        (error: unknown) => {
          throw tagChallenge(error, context(false));
        },
      );
    }
    return asBearer(outcome, request);
  }

  return {
    authenticate(request, options, bearer) {
      // Read once: a subscriber arriving mid-request sees the next request, never half of this one.
      const observation = deps.observe();
      if (observation === undefined) return judge(request, options, bearer, undefined);
      let outcome: Outcome;
      try {
        outcome = judge(request, options, bearer, observation);
      } catch (error) {
        observation.refused(error);
        throw error;
      }
      if (outcome instanceof Promise) {
        return outcome.then(
          (principal) => accepted(principal, observation),
          (error: unknown) => {
            observation.refused(error);
            throw error;
          },
        );
      }
      return accepted(outcome, observation);
    },
    servesAsBearer(principal) {
      return (
        config.mode !== 'required' &&
        boundThumbprint(principal) === undefined &&
        certificateThumbprint(principal) === undefined
      );
    },
  };
}
