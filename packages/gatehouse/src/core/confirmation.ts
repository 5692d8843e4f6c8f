/**
 * Sender-constrained tokens: what a token's `cnf` claim (RFC 7800) binds it to, in a JWT (RFC 9449
 * §6.1, RFC 8705 §3.1) or an introspection answer (RFC 9449 §6.2: `cnf.jkt` and `token_type` DPoP;
 * RFC 8705 §3.2: `cnf["x5t#S256"]`). `cnf` is kept in the principal's claims unchanged, so the DPoP
 * gate and the certificate check enforce it the same way for both. Anything this API could not
 * enforce is refused: a binding it ignored would make a stolen sender-constrained token (an Entra
 * PoP token with `cnf.jwk`, say) a bearer token again.
 */
import { isCanonicalBase64url } from './dpop/compact.ts';
import { InvalidTokenError } from './errors.ts';

/** The confirmation methods this API enforces (RFC 9449 §6.1, RFC 8705 §3.1). */
const ENFORCED = new Set(['jkt', 'x5t#S256']);

/** base64url of a SHA-256 digest: 32 bytes are 43 characters, unpadded. */
const SHA256_BASE64URL = /^[A-Za-z0-9_-]{43}$/;

function isSha256Base64url(value: unknown): value is string {
  // Canonical too: 43 characters hold 258 bits; the last one's two spare bits must be zero.
  return typeof value === 'string' && SHA256_BASE64URL.test(value) && isCanonicalBase64url(value);
}

function badConfirmation(detail: string): InvalidTokenError {
  return new InvalidTokenError('ERR_TOKEN_CLAIM', {
    description: "The token's confirmation (cnf) claim is invalid",
    detail,
    claim: 'cnf',
  });
}

function badType(type: unknown, detail: string): InvalidTokenError {
  return new InvalidTokenError('ERR_TOKEN_TYPE', {
    description: 'The token is not a bearer or DPoP access token',
    detail: `introspection says token_type ${JSON.stringify(type)}${detail}`,
    claim: 'token_type',
    actual: type,
  });
}

/**
 * Refuses an answer whose `cnf` this API cannot enforce: not a JSON object, a member other than
 * `jkt` and `x5t#S256` (another confirmation method would go unchecked), none of the two, or one
 * that is not the base64url SHA-256 thumbprint it must be.
 */
export function checkConfirmation(cnf: unknown): void {
  if (cnf === undefined) return;
  if (cnf === null || typeof cnf !== 'object' || Array.isArray(cnf))
    throw badConfirmation(
      `cnf is ${cnf === null ? 'null' : Array.isArray(cnf) ? 'an array' : typeof cnf}, not a JSON object`,
    );
  const members = Object.keys(cnf);
  const unknown = members.filter((name) => !ENFORCED.has(name));
  if (unknown.length > 0)
    throw badConfirmation(
      `cnf has ${unknown.map((name) => JSON.stringify(name)).join(', ')}: only jkt (DPoP) and x5t#S256 (certificate) bindings are enforced here`,
    );
  if (members.length === 0) throw badConfirmation('cnf names no binding (neither jkt nor x5t#S256)');
  for (const name of members) {
    const value = (cnf as Record<string, unknown>)[name];
    if (!isSha256Base64url(value))
      throw badConfirmation(`cnf.${name} is not a base64url SHA-256 thumbprint (43 characters)`);
  }
}

/**
 * `token_type` (RFC 7662 §2.2), any case: absent or Bearer, or DPoP for a token whose `cnf` has
 * `jkt` (RFC 9449 §6.2: a DPoP token without its key would be checked against nothing).
 */
export function checkTokenType(type: unknown, cnf: unknown): void {
  if (type === undefined) return;
  const name = typeof type === 'string' ? type.toLowerCase() : undefined;
  if (name === 'bearer') return;
  if (name !== 'dpop') throw badType(type, ', neither Bearer nor DPoP');
  const jkt = cnf !== null && typeof cnf === 'object' ? (cnf as Record<string, unknown>).jkt : undefined;
  if (jkt === undefined) throw badType(type, ' without cnf.jkt, the key the token is bound to');
}
