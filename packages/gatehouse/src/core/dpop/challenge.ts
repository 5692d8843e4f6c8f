/**
 * DPoP challenges (RFC 9449 §7.1): `WWW-Authenticate: DPoP realm=..., error=..., algs="..."`.
 * Where both schemes are accepted, one header carries a challenge for each (RFC 9110 §11.6.1
 * allows several challenges in one field value, comma-separated), the scheme the request used first.
 */
import { bearerChallenge, quote } from '../bearer-challenge.ts';
import { GatehouseError } from '../errors.ts';
import type { RequestLike } from '../extract.ts';
import { DpopNonceError, DpopProofError } from './errors.ts';
import type { DpopMode } from './options.ts';

export interface DpopChallengeContext {
  mode: DpopMode;
  algorithms: readonly string[];
  /** The request used `Authorization: DPoP`. */
  usedDpop: boolean;
  /** Add the DPoP challenge to an answer to a Bearer (or anonymous) request. */
  advertise: boolean;
  /**
   * The nonce to hand out with any answer to this DPoP request (RFC 9449 §8.2, §9): set when its
   * proof carried the previous slot's nonce, which is about to expire.
   */
  freshNonce?: string;
}

/** Errors the DPoP gate let through or raised, with how their challenge must read. */
const contexts = new WeakMap<GatehouseError, DpopChallengeContext>();

/**
 * Requests authenticated with DPoP: a later refusal of theirs (403) challenges with DPoP too. The
 * context rides on the request under a symbol of this module (no other code can name it): a
 * WeakMap entry per request cost a tenth of the gate's own work, and more for the garbage
 * collector once the request is gone. A request object that takes no new property (frozen,
 * sealed) goes to the WeakMap.
 */
const DPOP_CONTEXT = Symbol('gatehouse-auth.dpopContext');
type Remembered = { [DPOP_CONTEXT]?: DpopChallengeContext };
const dpopRequests = new WeakMap<object, DpopChallengeContext>();

export function rememberDpopRequest(request: object, context: DpopChallengeContext): void {
  if (Object.isExtensible(request)) (request as Remembered)[DPOP_CONTEXT] = context;
  else dpopRequests.set(request, context);
}

function rememberedContext(request: object): DpopChallengeContext | undefined {
  return (request as Remembered)[DPOP_CONTEXT] ?? dpopRequests.get(request);
}

/** The header that hands out a DPoP nonce (RFC 9449 §8.1, §9), as Node writes header names. */
export const DPOP_NONCE_HEADER = 'dpop-nonce';

/**
 * The `DPoP-Nonce` header value to send with the answer to `request`, for code that calls
 * `gatehouse.authenticate(request)` itself rather than through an adapter: the current nonce when
 * the request's DPoP proof carried the previous time slot's nonce, about to expire (RFC 9449 §8.2,
 * §9), so a client that takes the nonce from every answer is never refused for a stale one.
 * `undefined` when there is nothing to send: a current nonce, nonces off, a Bearer request, or a
 * request not (yet) accepted. Pass the very object given to `authenticate`. The adapters call it
 * to set the header before the handler runs.
 *
 * ```ts
 * const principal = await gh.authenticate(req);
 * const nonce = dpopNonceToSend(req);
 * if (nonce !== undefined) res.setHeader('DPoP-Nonce', nonce);
 * ```
 */
export function dpopNonceToSend(request: RequestLike): string | undefined {
  return rememberedContext(request)?.freshNonce;
}

/** Tags an authorization refusal of a DPoP-authenticated request (RFC 9449 §7.1: DPoP challenge). */
export function tagForRequest(error: unknown, request: object): unknown {
  const context = rememberedContext(request);
  return context === undefined ? error : tagChallenge(error, context);
}

export function tagChallenge(error: unknown, context: DpopChallengeContext): unknown {
  if (error instanceof GatehouseError && error.status < 500) contexts.set(error, context);
  return error;
}

/** RFC 6750 §3 / RFC 9449 §7.1: `error_description` is printable ASCII without `"` and `\`. */
function restricted(value: string): string {
  return value.replace(/[^\x20\x21\x23-\x5b\x5d-\x7e]/g, ' ');
}

function dpopChallenge(
  realm: string | undefined,
  error: GatehouseError | undefined,
  algs: readonly string[],
  resourceMetadata: string | undefined,
): string {
  const parts: string[] = [];
  if (realm) parts.push(`realm=${quote(realm)}`);
  const code =
    error instanceof DpopProofError || error instanceof DpopNonceError ? error.dpopError : error?.bearerError;
  if (error && code) {
    parts.push(`error=${quote(code)}`);
    parts.push(`error_description=${quote(restricted(error.description))}`);
    if (error.status === 403 && error.scope && error.scope.length > 0)
      parts.push(`scope=${quote(restricted(error.scope.join(' ')))}`);
  }
  parts.push(`algs=${quote(algs.join(' '))}`);
  if (resourceMetadata) parts.push(`resource_metadata=${quote(resourceMetadata)}`);
  return `DPoP ${parts.join(', ')}`;
}

/** The challenge of an error the DPoP gate tagged; `undefined` leaves the answer to RFC 6750. */
export function dpopChallengeFor(
  error: GatehouseError,
  realm: string | undefined,
  resourceMetadata?: string,
): string | undefined {
  const context = contexts.get(error);
  if (context === undefined || context.mode === 'off') return undefined;
  if (error.status !== 400 && error.status !== 401 && error.status !== 403) return undefined;
  // RFC 9728 §5.1, as for Bearer: every scheme's challenge says where the metadata is; a 400 is no
  // authentication challenge.
  const metadata = error.status === 400 ? undefined : resourceMetadata;
  const withError =
    error.bearerError === undefined && !(error instanceof DpopProofError || error instanceof DpopNonceError)
      ? undefined
      : error;
  if (context.mode === 'required') return dpopChallenge(realm, withError, context.algorithms, metadata);
  if (context.usedDpop)
    return `${dpopChallenge(realm, withError, context.algorithms, metadata)}, ${bearerChallenge({
      realm,
      resourceMetadata: metadata,
    })}`;
  if (!context.advertise) return undefined;
  const bearer = bearerChallenge({
    realm,
    error: error.bearerError,
    description: error.description,
    scope: error.status === 403 ? error.scope : undefined,
    resourceMetadata: metadata,
  });
  return `${bearer}, ${dpopChallenge(realm, undefined, context.algorithms, metadata)}`;
}

/**
 * The `DPoP-Nonce` header of an answer (RFC 9449 §9): the nonce a use_dpop_nonce refusal hands out,
 * or the fresh one for a refusal (a 403, say) of a DPoP request whose nonce was about to expire.
 */
export function dpopNonceFor(error: GatehouseError): string | undefined {
  return error instanceof DpopNonceError ? error.nonce : contexts.get(error)?.freshNonce;
}
