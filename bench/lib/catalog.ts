/** Every server the bench can start, what it runs on, and which cases it takes part in. */

export type Framework = 'node' | 'fastify' | 'express' | 'todo';
export type CaseName = 'repeated' | 'distinct' | 'todo' | 'dpop' | 'observed';

export interface ServerSpec {
  /** The module in bench/servers/. */
  name: string;
  label: string;
  framework: Framework;
  /** `none`: a baseline, it must answer 200 whatever the token. */
  auth: 'none' | 'gatehouse' | 'peer';
  cases: readonly CaseName[];
  /** Said under the table (caches, deviations). */
  note?: string;
  /** Reads its metadata over https (passport-azure-ad). */
  https?: boolean;
  /**
   * DPoP rows: every request carries a DPoP-bound token and a fresh proof; `bearer` names the row of
   * the same server without DPoP, against which the DPoP overhead per request is computed. `floor`:
   * the row is the DPoP floor over HTTP (one proof signature checked, nothing else).
   */
  dpop?: { bearer: string; floor?: true };
}

const BOTH: readonly CaseName[] = ['repeated', 'distinct'];
/** The rows without DPoP that the DPoP case compares with. */
const WITH_DPOP: readonly CaseName[] = [...BOTH, 'dpop'];

export const SERVERS: readonly ServerSpec[] = [
  {
    name: 'node-http',
    label: 'node:http (no auth)',
    framework: 'node',
    auth: 'none',
    cases: [...WITH_DPOP, 'observed'],
  },
  { name: 'fastify', label: 'Fastify (no auth)', framework: 'fastify', auth: 'none', cases: WITH_DPOP },
  { name: 'express', label: 'Express (no auth)', framework: 'express', auth: 'none', cases: WITH_DPOP },
  {
    name: 'gatehouse-node',
    label: 'node:http + Gatehouse (gatehouse-auth/node)',
    framework: 'node',
    auth: 'gatehouse',
    cases: [...WITH_DPOP, 'observed'],
  },
  {
    name: 'gatehouse-node-observed',
    label: 'node:http + Gatehouse, diagnostics_channel subscribers',
    framework: 'node',
    auth: 'gatehouse',
    cases: [...BOTH, 'observed'],
    note: 'The gatehouse-node server with a subscriber on each of gatehouse-auth:verify, :keys and :cache counting events by outcome and code: what observability costs, against the row without subscribers in the same run.',
  },
  {
    name: 'gatehouse-node-otel',
    label: 'node:http + Gatehouse, gatehouse-auth/otel instrument(gatehouse)',
    framework: 'node',
    auth: 'gatehouse',
    cases: ['observed'],
    note: 'The gatehouse-node server with instrument(gatehouse) from gatehouse-auth/otel (counters, histogram, key and cache gauges) on an OpenTelemetry SDK MeterProvider exporting to memory every 5 s; no tracer provider and no HTTP instrumentation (no active span to annotate).',
  },
  {
    name: 'gatehouse-node-dpop',
    label: 'node:http + Gatehouse, DPoP required',
    framework: 'node',
    auth: 'gatehouse',
    cases: ['dpop'],
    dpop: { bearer: 'gatehouse-node' },
  },
  {
    name: 'floor-dpop-verify',
    label: 'DPoP floor: node:http + one ES256 proof signature',
    framework: 'node',
    auth: 'none',
    cases: ['dpop'],
    dpop: { bearer: 'node-http', floor: true },
    note: 'Not a verifier: the node:http baseline plus one crypto.verify of the DPoP proof signature (as DER, the proof key made into a KeyObject once per distinct proof header); no token, claims, htu, ath or replay check. What any DPoP resource server pays per request at the least, measured as the Gatehouse rows are.',
  },
  {
    name: 'floor-dpop-verify-fastify',
    label: 'DPoP floor: Fastify + one ES256 proof signature',
    framework: 'fastify',
    auth: 'none',
    cases: ['dpop'],
    dpop: { bearer: 'fastify', floor: true },
    note: 'The same single check in an onRequest hook of the Fastify baseline.',
  },
  {
    name: 'floor-dpop-verify-express',
    label: 'DPoP floor: Express + one ES256 proof signature',
    framework: 'express',
    auth: 'none',
    cases: ['dpop'],
    dpop: { bearer: 'express', floor: true },
    note: 'The same single check in a middleware of the Express baseline.',
  },
  {
    name: 'gatehouse-fastify',
    label: 'Fastify + Gatehouse (gatehouse-auth/fastify)',
    framework: 'fastify',
    auth: 'gatehouse',
    cases: WITH_DPOP,
  },
  {
    name: 'gatehouse-fastify-dpop',
    label: 'Fastify + Gatehouse, DPoP required',
    framework: 'fastify',
    auth: 'gatehouse',
    cases: ['dpop'],
    dpop: { bearer: 'gatehouse-fastify' },
  },
  {
    name: 'gatehouse-express',
    label: 'Express + Gatehouse (gatehouse-auth/express)',
    framework: 'express',
    auth: 'gatehouse',
    cases: WITH_DPOP,
  },
  {
    name: 'gatehouse-express-dpop',
    label: 'Express + Gatehouse, DPoP required',
    framework: 'express',
    auth: 'gatehouse',
    cases: ['dpop'],
    dpop: { bearer: 'gatehouse-express' },
  },
  {
    name: 'express-oauth2-jwt-bearer',
    label: 'Express + express-oauth2-jwt-bearer',
    framework: 'express',
    auth: 'peer',
    cases: WITH_DPOP,
  },
  {
    name: 'express-oauth2-jwt-bearer-dpop',
    label: 'Express + express-oauth2-jwt-bearer, DPoP required',
    framework: 'express',
    auth: 'peer',
    cases: ['dpop'],
    dpop: { bearer: 'express-oauth2-jwt-bearer' },
    note: 'dpop: { enabled: true, required: true }. It keeps no record of proof jti values (RFC 9449 §11.1 leaves replay detection to the server): the pre-check says whether a replayed proof was refused.',
  },
  {
    name: 'express-jwt',
    label: 'Express + express-jwt + jwks-rsa',
    framework: 'express',
    auth: 'peer',
    cases: BOTH,
  },
  {
    name: 'passport-azure-ad',
    label: 'Express + passport + passport-azure-ad',
    framework: 'express',
    auth: 'peer',
    cases: BOTH,
    https: true,
    note: 'passport-azure-ad accepts only an https identityMetadata URL: it reads the same issuer over https (self-signed certificate trusted via NODE_EXTRA_CA_CERTS); loggingLevel error.',
  },
  {
    name: 'fastify-jwt',
    label: 'Fastify + @fastify/jwt + get-jwks',
    framework: 'fastify',
    auth: 'peer',
    cases: BOTH,
  },
  {
    name: 'jose',
    label: 'node:http + jose jwtVerify',
    framework: 'node',
    auth: 'peer',
    cases: BOTH,
  },
  {
    name: 'fast-jwt',
    label: 'node:http + fast-jwt (cache: true) + get-jwks',
    framework: 'node',
    auth: 'peer',
    cases: BOTH,
    note: 'fast-jwt keeps its verified-token cache in every case (LRU of 1,000 tokens by default): with 10,000 tokens in rotation it misses every time.',
  },
  {
    name: 'floor-crypto-verify',
    label: 'floor: node:http + crypto.verify + decodeJwt only',
    framework: 'node',
    auth: 'peer',
    cases: ['distinct'],
    note: 'Not a verifier (no kid, iss, aud, exp or header checks): one node:crypto RS256 check with a KeyObject made once, jose decodeJwt and the scope. What any verifier pays per token at the least on this machine.',
  },
  {
    name: 'todo-routes-noauth',
    label: 'to-do GET /api/todos, auth off (bare Fastify + todo routes, fixed caller)',
    framework: 'todo',
    auth: 'none',
    cases: ['todo'],
  },
  {
    name: 'todo-routes-gatehouse',
    label: 'to-do GET /api/todos, Gatehouse (bare Fastify + todo routes)',
    framework: 'todo',
    auth: 'gatehouse',
    cases: ['todo'],
  },
  {
    name: 'todo-api',
    label: 'to-do GET /api/todos, Gatehouse (full buildApp)',
    framework: 'todo',
    auth: 'gatehouse',
    cases: ['todo'],
    note: 'The full app adds CORS, shutdown, OpenAPI and problem hooks to the same route: its gap to the bare Gatehouse row is not authentication.',
  },
];

/** The reference row each case's ratios divide by. */
export const REFERENCE: Record<CaseName, string> = {
  repeated: 'node-http',
  distinct: 'node-http',
  todo: 'todo-routes-noauth',
  dpop: 'node-http',
  observed: 'node-http',
};

/** The unprotected server of each framework, for the auth cost per request. */
export const FRAMEWORK_BASELINE: Record<Framework, string> = {
  node: 'node-http',
  fastify: 'fastify',
  express: 'express',
  todo: 'todo-routes-noauth',
};
