/**
 * Every option of `createGatehouse`, once: its default, its bounds or allowed values, and the line
 * the README's options tables show. Validation, `defaults` and the README are all read from here;
 * the interfaces' `@default` tags (what editors show) are held to it by a test.
 */
import { ASYMMETRIC_ALGORITHMS } from './keys/key-store.ts';
import type { OptionTable } from './option-rules.ts';

const HTTPS_URL = 'https URL (http on loopback)';

/** Options of one trusted issuer: inline, or per entry of `issuers`. */
export const ISSUER_OPTIONS = {
  issuer: {
    kind: 'custom',
    allowed: HTTPS_URL,
    doc: "The OIDC issuer. Alone: discovery at `<issuer>/.well-known/openid-configuration`; the document must name this issuer, and tokens must carry exactly this `iss`. `{tenantid}` (Entra multi-tenant) stands for the token's `tid`.",
  },
  metadataUrl: {
    kind: 'custom',
    allowed: HTTPS_URL,
    doc: 'An explicit metadata document (Azure AD B2C: `.../v2.0/.well-known/openid-configuration?p=B2C_1_signin`). Its `issuer` is then the trusted one.',
  },
  jwksUri: {
    kind: 'custom',
    allowed: HTTPS_URL,
    doc: 'An explicit JWKS URL; needs `issuer`; no discovery. Exclusive with `metadataUrl`.',
  },
  audience: {
    kind: 'custom',
    required: true,
    allowed: 'string or non-empty array of strings',
    doc: "Accepted audiences: the token's `aud` must contain one.",
  },
  audienceClaim: {
    kind: 'custom',
    default: 'aud',
    allowed: 'claim name',
    doc: 'The claim holding the audience (Cognito access tokens have no `aud`: `client_id`).',
  },
  tenants: {
    kind: 'custom',
    allowed: "tenant ids (GUIDs), or `'any'`",
    doc: "Tenants (`tid`) allowed when the issuer is a `{tenantid}` template (Entra `common`/`organizations`); required with one. `'any'` accepts every tenant in the world (logged as a warning).",
  },
  claims: {
    kind: 'custom',
    shown: 'Entra-style',
    doc: 'How claims map onto the principal (presets replace parts).',
  },
  validate: {
    kind: 'custom',
    allowed: 'function',
    doc: 'Provider-specific checks after the signature: `(claims, header)` returns why the token fails, or `undefined`.',
  },
  match: {
    kind: 'custom',
    allowed: 'function',
    doc: 'Routes among issuers sharing one `iss` (B2C policies), on the unverified claims.',
  },
  name: {
    kind: 'custom',
    shown: 'the issuer or metadata URL',
    doc: 'A name for logs and status.',
  },
  introspection: {
    kind: 'custom',
    allowed: 'object',
    doc: 'Opaque tokens of this issuer, validated at its RFC 7662 introspection endpoint; one issuer at most. See "Opaque tokens".',
  },
} as const satisfies OptionTable;

/** Fetching and caching of metadata and keys, in milliseconds (`keys.*`). */
export const KEYS_OPTIONS = {
  timeout: {
    kind: 'number',
    default: 5000,
    min: 100,
    max: 30_000,
    doc: 'ms before a metadata/JWKS fetch is abandoned.',
  },
  cooldown: {
    kind: 'number',
    default: 30_000,
    min: 0,
    max: 30_000,
    doc: 'ms between fetches for any reason once keys are loaded (unknown `kid`, stale, retry).',
  },
  maxAge: {
    kind: 'number',
    default: 600_000,
    min: 1000,
    max: 7 * 86_400_000,
    doc: 'ms a key set is fresh; refreshed in the background at 80 %.',
  },
  metadataMaxAge: {
    kind: 'number',
    default: 86_400_000,
    min: 1000,
    max: 30 * 86_400_000,
    doc: 'ms a metadata document is fresh.',
  },
  retryInterval: {
    kind: 'number',
    default: 10_000,
    min: 10,
    max: 10_000,
    doc: 'Cap of the back-off between retries while fetches fail, in ms; also the `Retry-After`.',
  },
  maxBytes: {
    kind: 'number',
    default: 512 * 1024,
    min: 1024,
    max: 16 * 1024 * 1024,
    doc: 'Largest metadata/JWKS body accepted.',
  },
} as const satisfies OptionTable;

/** The verified-token cache (`cache.*`). */
export const CACHE_OPTIONS = {
  enabled: {
    kind: 'boolean',
    default: true,
    doc: 'The verified-token cache: a repeated token skips signature and claim checks until its `exp` (authorization still runs). Required when `cache` is given; `false` turns it off.',
  },
  maxEntries: {
    kind: 'number',
    default: 10_000,
    min: 1,
    max: 10_000_000,
    doc: 'Verified tokens kept.',
  },
  maxBytes: {
    kind: 'number',
    default: 32 * 1024 * 1024,
    min: 64 * 1024,
    max: 4 * 1024 ** 3,
    doc: 'Approximate bytes held (token text plus claims).',
  },
} as const satisfies OptionTable;

/** Certificate-bound tokens, RFC 8705 (`mtls.*`). */
export const MTLS_OPTIONS = {
  certificateHeader: {
    kind: 'custom',
    shown: "Node's TLS socket",
    allowed: 'header name',
    doc: 'The header a TLS-terminating proxy puts the client certificate in (PEM, URL-encoded PEM, or base64 DER). See "Certificate-bound tokens".',
  },
  trustedProxies: {
    kind: 'custom',
    shown: 'loopback',
    allowed: "addresses, CIDR ranges, or `'*'`",
    doc: 'The peers whose `certificateHeader` is believed; from any other peer the certificate comes from its own TLS socket.',
  },
} as const satisfies OptionTable;

/** Server nonces, RFC 9449 §9 (`dpop.nonce.*`). */
export const DPOP_NONCE_OPTIONS = {
  secret: {
    kind: 'custom',
    shown: 'required with `nonce`',
    allowed: '32+ characters',
    doc: 'Proofs must carry a server nonce: an HMAC of a time slot under this secret (the same on every instance).',
  },
  lifetime: {
    kind: 'number',
    default: 300,
    min: 10,
    max: 86_400,
    doc: 'Seconds of a time slot; a nonce is valid for one to two lifetimes.',
  },
} as const satisfies OptionTable;

/** Sender-constrained tokens, RFC 9449 (`dpop.*`). */
export const DPOP_OPTIONS = {
  mode: {
    kind: 'choice',
    values: ['off', 'allowed', 'required'],
    default: 'allowed',
    doc: '`off`: the DPoP scheme counts as no token. `allowed`: Bearer and DPoP. `required`: DPoP only; any Bearer token is refused.',
  },
  algorithms: {
    kind: 'custom',
    default: ASYMMETRIC_ALGORITHMS,
    shown: 'all asymmetric',
    allowed: 'asymmetric algorithms',
    doc: 'Proof algorithms accepted, also sent as `algs`. `none` and HMAC are never accepted.',
  },
  iatWindow: {
    kind: 'number',
    default: 60,
    min: 1,
    max: 600,
    doc: "Seconds a proof's `iat` may lie in the past; `clockTolerance` is added both ways.",
  },
  replayStore: {
    kind: 'custom',
    shown: '`MemoryReplayStore`',
    allowed: '`{ seen(jti, expiresAt): boolean | Promise<boolean> }`',
    doc: 'Seen `jti`s. The memory store is bounded (2,000,000 live records, about 26 bytes each) and expiring; it covers one process only. Several instances need `RedisReplayStore`.',
  },
  publicUrl: {
    kind: 'custom',
    shown: 'from `Host` and the socket',
    allowed: 'http(s) URL, no query',
    doc: 'Scheme, host, port (and a path prefix a proxy strips) of the URL clients call, for `htu`. Set it behind any proxy or load balancer: `Host` is whatever the client sent.',
  },
  advertise: {
    kind: 'boolean',
    default: false,
    doc: 'In `allowed` mode, add the DPoP challenge to 401s of Bearer and anonymous requests too (Bearer clients otherwise keep the exact RFC 6750 answers).',
  },
  nonce: DPOP_NONCE_OPTIONS,
} as const satisfies OptionTable;

/** Settings shared by every trusted issuer. */
export const SHARED_OPTIONS = {
  algorithms: {
    kind: 'custom',
    default: ASYMMETRIC_ALGORITHMS,
    shown: 'all asymmetric',
    allowed: ASYMMETRIC_ALGORITHMS.join(', '),
    doc: 'Accepted signature algorithms. `none` and HMAC are refused at construction.',
  },
  clockTolerance: {
    kind: 'number',
    default: 60,
    min: 0,
    max: 300,
    doc: 'Seconds of skew on `exp`/`nbf`/`iat`.',
  },
  maxTokenAge: {
    kind: 'number',
    default: 86_400,
    min: 60,
    max: 366 * 86_400,
    doc: 'Longest lifetime, seconds: `exp - iat`, or `exp - now` without `iat`. See "What is verified".',
  },
  tokenType: {
    strict: {
      kind: 'boolean',
      default: false,
      doc: 'Header `typ` may be `JWT`, `at+jwt` or absent; strict demands `at+jwt` (RFC 9068).',
    },
  },
  realm: { kind: 'text', default: 'api', doc: "The challenges' `realm`." },
  resourceMetadata: {
    kind: 'custom',
    allowed: HTTPS_URL,
    doc: 'This resource\'s RFC 9728 metadata document, named in every 401 and 403 challenge. See "Where to find the authorization server".',
  },
  keys: KEYS_OPTIONS,
  cache: CACHE_OPTIONS,
  snapshot: {
    kind: 'custom',
    doc: 'Keys exported by `exportSnapshot()` earlier, for a cold start while the issuer is down.',
  },
  logger: {
    kind: 'custom',
    shown: 'silent',
    doc: 'pino-style `(obj, msg)`; the Fastify plugin uses `fastify.log`.',
  },
  clock: { kind: 'custom', shown: '`Date.now`', doc: 'Milliseconds since the epoch; tests inject a clock.' },
  fetch: {
    kind: 'custom',
    shown: 'global `fetch`',
    doc: 'Replaces `fetch` for metadata, JWKS and introspection requests.',
  },
  dpop: {
    kind: 'custom',
    // `dpop: 'required'` is short for `dpop: { mode: 'required' }`: the mode's default is its default.
    shown: `\`'${DPOP_OPTIONS.mode.default}'\``,
    allowed: "`'off'`, `'allowed'`, `'required'` or `dpop.*`",
    doc: 'DPoP (RFC 9449). See "Sender-constrained tokens (DPoP)".',
  },
  mtls: MTLS_OPTIONS,
} as const satisfies OptionTable;

/** Opaque tokens of one issuer, RFC 7662 (`introspection.*`). */
export const INTROSPECTION_OPTIONS = {
  endpoint: {
    kind: 'custom',
    shown: "metadata's `introspection_endpoint`",
    allowed: HTTPS_URL,
    doc: 'The endpoint (RFC 7662 §2). Required with `jwksUri` (no metadata to read it from).',
  },
  clientId: {
    kind: 'custom',
    required: true,
    allowed: 'non-empty string',
    doc: "This API's client id at the issuer: the endpoint only answers authenticated callers (RFC 7662 §2.1).",
  },
  clientSecret: {
    kind: 'custom',
    allowed: 'non-empty string',
    doc: "Sent with HTTP Basic, `client_secret_basic` (RFC 6749 §2.3.1): the method every authorization server must support, and `oidc-provider`'s, Keycloak's and Okta's default. Exclusive with `privateKey`.",
  },
  privateKey: {
    kind: 'custom',
    allowed: 'PEM, `KeyObject`, `CryptoKey`',
    doc: 'For `private_key_jwt` (RFC 7523): a fresh assertion (own `jti`, 60 s, `aud` = the issuer identifier) per request. RS256, PS256, ES256/384/512 or EdDSA by key type.',
  },
  privateKeyId: {
    kind: 'custom',
    allowed: 'non-empty string',
    doc: "The assertion's `kid`, when the issuer wants one.",
  },
  cacheMaxAge: {
    kind: 'number',
    default: 60,
    min: 0,
    max: 3600,
    doc: "Seconds an answer is reused, never past the token's `exp`: a revoked token is accepted for up to this long (RFC 7662 §4).",
  },
  timeout: {
    kind: 'number',
    default: 5000,
    min: 100,
    max: 30_000,
    doc: 'ms before a request to the endpoint is abandoned.',
  },
} as const satisfies OptionTable;
