import { dpopChallengeFor } from './dpop/challenge.ts';
import type { GatehouseError } from './errors.ts';

export interface ChallengeParams {
  realm?: string | undefined;
  error?: string | undefined;
  description?: string | undefined;
  scope?: readonly string[] | undefined;
}

/**
 * RFC 7230 quoted-string: backslash-escape `\` and `"`. Control characters (CR/LF above all)
 * are dropped, since they would let a value split the header.
 */
export function quote(value: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping them is the point
  const printable = value.replace(/[\u0000-\u001f\u007f]/g, ' ');
  return `"${printable.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/**
 * RFC 6750 §3 limits `error_description` and `scope` to printable ASCII without `"` and `\`;
 * anything else becomes a space rather than an escape a strict client would reject.
 */
function restricted(value: string): string {
  return value.replace(/[^\x20\x21\x23-\x5b\x5d-\x7e]/g, ' ');
}

/** Builds an RFC 6750 §3 `WWW-Authenticate: Bearer ...` value. */
export function bearerChallenge(params: ChallengeParams): string {
  const parts: string[] = [];
  if (params.realm) parts.push(`realm=${quote(params.realm)}`);
  if (params.error) parts.push(`error=${quote(params.error)}`);
  if (params.error && params.description)
    parts.push(`error_description=${quote(restricted(params.description))}`);
  if (params.scope && params.scope.length > 0)
    parts.push(`scope=${quote(restricted(params.scope.join(' ')))}`);
  return parts.length === 0 ? 'Bearer' : `Bearer ${parts.join(', ')}`;
}

export function challengeFor(error: GatehouseError, realm: string | undefined): string | undefined {
  if (error.status !== 401 && error.status !== 403 && error.status !== 400) return undefined;
  // DPoP (RFC 9449 §7.1): errors of DPoP requests, or of a DPoP-aware gate, get DPoP challenges.
  const dpop = dpopChallengeFor(error, realm);
  if (dpop !== undefined) return dpop;
  return bearerChallenge({
    realm,
    error: error.bearerError,
    description: error.description,
    scope: error.status === 403 ? error.scope : undefined,
  });
}
