import { createPrivateKey, KeyObject } from 'node:crypto';
import { ConfigurationError } from '../errors.ts';
import { secureUrl } from '../keys/url-policy.ts';
import { numberOption, refuseUnknown } from '../option-rules.ts';
import { INTROSPECTION_OPTIONS } from '../option-table.ts';

/**
 * Opaque access tokens of one issuer, validated at its introspection endpoint (RFC 7662). Tokens
 * that look like JWTs are never introspected: they are verified locally, as always.
 */
export interface IntrospectionOptions {
  /**
   * The introspection endpoint (RFC 7662 §2). @default the issuer metadata's
   * `introspection_endpoint` (RFC 8414 §2); required with `jwksUri`, which has no metadata.
   */
  endpoint?: string;
  /** This resource server's client id at the issuer (RFC 7662 §2.1: the caller must authenticate). */
  clientId: string;
  /** Its client secret, sent by HTTP Basic (`client_secret_basic`, RFC 6749 §2.3.1). Exclusive with `privateKey`. */
  clientSecret?: string;
  /**
   * A private key (PKCS#8 or PKCS#1 PEM, or a `KeyObject` / `CryptoKey`) for `private_key_jwt`
   * (RFC 7523 §2.2): each request carries a fresh assertion with its own `jti`. RSA keys sign
   * RS256, RSA-PSS PS256, EC P-256/384/521 ES256/384/512, Ed25519 EdDSA. Exclusive with `clientSecret`.
   */
  privateKey?: string | KeyObject | CryptoKey;
  /** The `kid` header of the assertion, when the issuer wants one. */
  privateKeyId?: string;
  /**
   * Seconds an answer is reused (0 to 3600), never past the token's `exp`: a revoked token is
   * still accepted for up to this long (RFC 7662 §4). @default 60
   */
  cacheMaxAge?: number;
  /** Milliseconds before a request to the endpoint is abandoned (100 to 30000). @default 5000 */
  timeout?: number;
}

/** How this resource server authenticates to the endpoint; holds the secret out of sight of logs. */
export class ClientCredential {
  readonly clientId: string;
  readonly method: 'client_secret_basic' | 'private_key_jwt';
  readonly keyId: string | undefined;
  readonly #secret: string | undefined;
  readonly #key: KeyObject | undefined;
  readonly #alg: string | undefined;

  constructor(clientId: string, secret: string | undefined, key: KeyObject | undefined, keyId?: string) {
    this.clientId = clientId;
    this.method = secret !== undefined ? 'client_secret_basic' : 'private_key_jwt';
    this.#secret = secret;
    this.#key = key;
    this.#alg = key === undefined ? undefined : algorithmOf(key);
    this.keyId = keyId;
  }

  /** @internal */
  get secret(): string | undefined {
    return this.#secret;
  }

  /** @internal */
  get key(): { key: KeyObject; alg: string } | undefined {
    return this.#key === undefined ? undefined : { key: this.#key, alg: this.#alg! };
  }

  toJSON(): object {
    return { clientId: this.clientId, method: this.method };
  }
}

export interface ResolvedIntrospection {
  endpoint: string | undefined;
  /** @internal The client's secret or key, kept out of JSON and inspection; not a public API. */
  credential: ClientCredential;
  /** Seconds. */
  cacheMaxAge: number;
  /** Milliseconds. */
  timeout: number;
}

function algorithmOf(key: KeyObject, path = 'introspection.privateKey'): string {
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return 'RS256';
    case 'rsa-pss':
      return 'PS256';
    case 'ed25519':
      return 'EdDSA';
    case 'ec': {
      const curve = key.asymmetricKeyDetails?.namedCurve;
      if (curve === 'prime256v1') return 'ES256';
      if (curve === 'secp384r1') return 'ES384';
      if (curve === 'secp521r1') return 'ES512';
      break;
    }
  }
  throw new ConfigurationError(path, 'must be an RSA, RSA-PSS, EC (P-256/384/521) or Ed25519 private key');
}

function privateKey(value: unknown, path: string): KeyObject {
  let key: KeyObject;
  try {
    if (typeof value === 'string') key = createPrivateKey(value);
    else if (value instanceof KeyObject) key = value;
    else if (typeof CryptoKey !== 'undefined' && value instanceof CryptoKey) key = KeyObject.from(value);
    else throw new Error('not a key');
  } catch {
    // Never quote the value: it is a private key.
    throw new ConfigurationError(path, 'must be a PEM private key, a KeyObject or a CryptoKey');
  }
  if (key.type !== 'private') throw new ConfigurationError(path, 'must be a private key');
  algorithmOf(key, path);
  return key;
}

/** Checks `introspection` at creation, like every other option; `hasMetadata` is false for `jwksUri`. */
export function resolveIntrospection(
  value: unknown,
  at: string,
  hasMetadata: boolean,
): ResolvedIntrospection | undefined {
  if (value === undefined) return undefined;
  const path = `${at}introspection`;
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new ConfigurationError(path, 'must be an object');
  const options = value as Record<string, unknown>;
  refuseUnknown(options, INTROSPECTION_OPTIONS, `${path}.`);
  const { clientId, clientSecret, endpoint, privateKeyId } = options;
  if (typeof clientId !== 'string' || clientId.length === 0)
    throw new ConfigurationError(`${path}.clientId`, 'must be a non-empty string');
  if ((clientSecret === undefined) === (options.privateKey === undefined))
    throw new ConfigurationError(path, 'needs exactly one of clientSecret and privateKey');
  if (clientSecret !== undefined && (typeof clientSecret !== 'string' || clientSecret.length === 0))
    throw new ConfigurationError(`${path}.clientSecret`, 'must be a non-empty string');
  if (privateKeyId !== undefined && (typeof privateKeyId !== 'string' || privateKeyId.length === 0))
    throw new ConfigurationError(`${path}.privateKeyId`, 'must be a non-empty string');
  if (endpoint !== undefined && typeof endpoint !== 'string')
    throw new ConfigurationError(`${path}.endpoint`, 'must be a URL string');
  if (endpoint === undefined && !hasMetadata)
    throw new ConfigurationError(
      `${path}.endpoint`,
      'is required with jwksUri (there is no metadata to find it in)',
    );
  const key =
    options.privateKey === undefined ? undefined : privateKey(options.privateKey, `${path}.privateKey`);
  return {
    endpoint: endpoint === undefined ? undefined : secureUrl(endpoint, `${path}.endpoint`).href,
    credential: new ClientCredential(
      clientId,
      clientSecret as string | undefined,
      key,
      privateKeyId as string | undefined,
    ),
    cacheMaxAge: numberOption(INTROSPECTION_OPTIONS.cacheMaxAge, options.cacheMaxAge, `${path}.cacheMaxAge`),
    timeout: numberOption(INTROSPECTION_OPTIONS.timeout, options.timeout, `${path}.timeout`),
  };
}
