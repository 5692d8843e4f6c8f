/** The `WWW-Authenticate` Bearer challenge's syntax (RFC 6750 §3), a leaf the DPoP challenges build on too. */

export interface ChallengeParams {
  realm?: string | undefined;
  error?: string | undefined;
  description?: string | undefined;
  scope?: readonly string[] | undefined;
  /** Microsoft's claims challenge: the authorize endpoint for an interactive sign-in. */
  authorizationUri?: string | undefined;
  /** RFC 9470 §3: acceptable authentication context classes, in order of preference. */
  acrValues?: readonly string[] | undefined;
  /** RFC 9470 §3: the longest acceptable time since the user authenticated, in seconds. */
  maxAge?: number | undefined;
  /** Microsoft's claims challenge: the base64-encoded claims request. */
  claims?: string | undefined;
  /** RFC 9728 §5.1: the URL of the resource's protected-resource metadata document. */
  resourceMetadata?: string | undefined;
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
  // Microsoft's documented order: realm, authorization_uri, error, claims.
  if (params.authorizationUri) parts.push(`authorization_uri=${quote(params.authorizationUri)}`);
  if (params.error) parts.push(`error=${quote(params.error)}`);
  if (params.error && params.description)
    parts.push(`error_description=${quote(restricted(params.description))}`);
  if (params.scope && params.scope.length > 0)
    parts.push(`scope=${quote(restricted(params.scope.join(' ')))}`);
  // RFC 9470 §3 gives acr_values the syntax of OIDC's space-separated list, scope's character set.
  if (params.acrValues && params.acrValues.length > 0)
    parts.push(`acr_values=${quote(restricted(params.acrValues.join(' ')))}`);
  if (params.maxAge !== undefined && Number.isFinite(params.maxAge) && params.maxAge >= 0)
    parts.push(`max_age=${quote(String(Math.floor(params.maxAge)))}`);
  if (params.claims) parts.push(`claims=${quote(params.claims)}`);
  if (params.resourceMetadata) parts.push(`resource_metadata=${quote(params.resourceMetadata)}`);
  return parts.length === 0 ? 'Bearer' : `Bearer ${parts.join(', ')}`;
}
