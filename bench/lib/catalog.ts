/** Every server the bench can start, what it runs on, and which cases it takes part in. */

export type Framework = 'node' | 'fastify' | 'express' | 'todo';
export type CaseName = 'repeated' | 'distinct' | 'todo';

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
}

const BOTH: readonly CaseName[] = ['repeated', 'distinct'];

export const SERVERS: readonly ServerSpec[] = [
  { name: 'node-http', label: 'node:http (no auth)', framework: 'node', auth: 'none', cases: BOTH },
  { name: 'fastify', label: 'Fastify (no auth)', framework: 'fastify', auth: 'none', cases: BOTH },
  { name: 'express', label: 'Express (no auth)', framework: 'express', auth: 'none', cases: BOTH },
  {
    name: 'gatehouse-node',
    label: 'node:http + Gatehouse (gatehouse-auth/node)',
    framework: 'node',
    auth: 'gatehouse',
    cases: BOTH,
  },
  {
    name: 'gatehouse-node-observed',
    label: 'node:http + Gatehouse, diagnostics_channel subscribers',
    framework: 'node',
    auth: 'gatehouse',
    cases: BOTH,
    note: 'The gatehouse-node server with a subscriber on each of gatehouse-auth:verify, :keys and :cache counting events by outcome and code: what observability costs, against the row without subscribers in the same run.',
  },
  {
    name: 'gatehouse-fastify',
    label: 'Fastify + Gatehouse (gatehouse-auth/fastify)',
    framework: 'fastify',
    auth: 'gatehouse',
    cases: BOTH,
  },
  {
    name: 'gatehouse-express',
    label: 'Express + Gatehouse (gatehouse-auth/express)',
    framework: 'express',
    auth: 'gatehouse',
    cases: BOTH,
  },
  {
    name: 'express-oauth2-jwt-bearer',
    label: 'Express + express-oauth2-jwt-bearer',
    framework: 'express',
    auth: 'peer',
    cases: BOTH,
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
};

/** The unprotected server of each framework, for the auth cost per request. */
export const FRAMEWORK_BASELINE: Record<Framework, string> = {
  node: 'node-http',
  fastify: 'fastify',
  express: 'express',
  todo: 'todo-routes-noauth',
};
