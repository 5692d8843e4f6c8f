import { type ChallengeContext, challengeFor } from './challenge.ts';
import { DPOP_NONCE_HEADER, dpopNonceFor } from './dpop/challenge.ts';
import { type GatehouseError, isGatehouseError } from './errors.ts';

/** A framework-neutral HTTP answer that every adapter copies verbatim. */
export interface ErrorResponse {
  status: number;
  headers: Record<string, string>;
  body: ProblemDetails;
}

/** RFC 9457 problem details, with Gatehouse's stable `code` as an extension member. */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/**
 * Turns any error into the answer a client gets; unknown errors become an opaque 500. The second
 * argument is the realm, or the realm with the RFC 9728 metadata URL (a gatehouse's `options`).
 */
export function errorResponse(error: unknown, realm?: string | ChallengeContext): ErrorResponse {
  if (!isGatehouseError(error) || error.code === 'ERR_CONFIGURATION') {
    return problem(500, 'ERR_INTERNAL', 'Internal error', {});
  }
  return gatehouseResponse(error, realm);
}

function gatehouseResponse(
  error: GatehouseError,
  realm: string | ChallengeContext | undefined,
): ErrorResponse {
  const headers: Record<string, string> = {};
  const challenge = challengeFor(error, realm);
  if (challenge) headers['www-authenticate'] = challenge;
  // DPoP (RFC 9449 §9): a use_dpop_nonce answer carries the nonce to use; a later refusal of a DPoP
  // request whose nonce is about to expire, the next one.
  const nonce = dpopNonceFor(error);
  if (nonce !== undefined) headers[DPOP_NONCE_HEADER] = nonce;
  if (error.retryAfter !== undefined)
    headers['retry-after'] = String(Math.max(1, Math.ceil(error.retryAfter)));
  return problem(error.status, error.code, error.description, headers);
}

function problem(
  status: number,
  code: string,
  detail: string,
  headers: Record<string, string>,
): ErrorResponse {
  return {
    status,
    headers: { ...headers, 'content-type': 'application/problem+json', 'cache-control': 'no-store' },
    body: { type: 'about:blank', title: TITLES[status] ?? 'Error', status, detail, code },
  };
}
