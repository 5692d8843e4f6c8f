import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import type { ResolvedIntrospection } from './options.ts';

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** RFC 6749 §2.3.1: the client id and secret are form-encoded before they are joined for Basic. */
function basic(clientId: string, secret: string): string {
  const encode = (value: string) => new URLSearchParams({ v: value }).toString().slice(2);
  return `Basic ${Buffer.from(`${encode(clientId)}:${encode(secret)}`).toString('base64')}`;
}

/** An introspection request on its way out, and who sends it to which issuer. */
export interface ClientAuthentication {
  credential: ResolvedIntrospection['credential'];
  /** The issuer: the audience of a client assertion. */
  issuer: string;
  now: () => number;
  form: URLSearchParams;
  headers: Record<string, string>;
}

/**
 * Adds this resource server's client authentication to an introspection request (RFC 7662 §2.1):
 * HTTP Basic with a secret, or an RFC 7523 private-key JWT assertion in the form.
 */
export async function authenticateClient({
  credential,
  issuer,
  now,
  form,
  headers,
}: ClientAuthentication): Promise<void> {
  if (credential.secret !== undefined) {
    headers.authorization = basic(credential.clientId, credential.secret);
    return;
  }
  form.set('client_id', credential.clientId);
  form.set('client_assertion_type', ASSERTION_TYPE);
  form.set('client_assertion', await assertion(credential, issuer, now));
}

/** RFC 7523 §3: a fresh assertion per request (its own `jti`), for the issuer, valid 60 s. */
async function assertion(
  credential: ResolvedIntrospection['credential'],
  issuer: string,
  now: () => number,
): Promise<string> {
  const signing = credential.key!;
  const iat = Math.floor(now() / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: signing.alg, ...(credential.keyId ? { kid: credential.keyId } : {}) })
    .setIssuer(credential.clientId)
    .setSubject(credential.clientId)
    .setAudience(issuer)
    .setJti(randomUUID())
    .setIssuedAt(iat)
    .setExpirationTime(iat + 60)
    .sign(signing.key);
}
