/**
 * The public API as a user's TypeScript sees it: imported by package name, so the types come from
 * the published `.d.ts` files in dist/ (`npm test` builds them first). `npm run typecheck` fails
 * when an exported type changes shape; the runtime part checks every subpath exports what its types
 * promise.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { expectTypeOf } from 'expect-type';
import * as core from 'gatehouse-auth';
import {
  type AuthenticateOptions,
  type BearerErrorCode,
  type CacheEvent,
  createGatehouse,
  type Gatehouse,
  type GatehouseError,
  type GatehouseErrorCode,
  type GatehouseOptions,
  type GatehouseStatus,
  type IssuerMetadata,
  type IssuerOptions,
  type KeysEvent,
  type Principal,
  type Requirement,
  type RouteAuth,
  requireAppPermissions,
  requireScopes,
  type VerifyEvent,
  type VerifyOptions,
} from 'gatehouse-auth';
import * as expressAdapter from 'gatehouse-auth/express';
import * as expressJwt from 'gatehouse-auth/express-jwt';
import * as fastifyAdapter from 'gatehouse-auth/fastify';
import * as nodeAdapter from 'gatehouse-auth/node';
import * as otel from 'gatehouse-auth/otel';
import * as passportCompat from 'gatehouse-auth/passport';
import * as providers from 'gatehouse-auth/providers';
import * as restifyAdapter from 'gatehouse-auth/restify';
import * as webAdapter from 'gatehouse-auth/web';

test('the core creates a gatehouse from issuer options and types its answers', () => {
  const options: GatehouseOptions = { issuer: 'https://issuer.example', audience: 'api://example' };
  expectTypeOf(createGatehouse).parameter(0).toEqualTypeOf<GatehouseOptions>();
  expectTypeOf(createGatehouse).returns.toEqualTypeOf<Gatehouse>();
  expectTypeOf<Gatehouse['verify']>().returns.toEqualTypeOf<Promise<Principal>>();
  expectTypeOf<Gatehouse['verify']>().parameter(1).toEqualTypeOf<VerifyOptions | undefined>();
  expectTypeOf<VerifyOptions['senderConstrained']>().toEqualTypeOf<'refuse' | 'caller-checks' | undefined>();
  expectTypeOf<Gatehouse['authenticate']>().parameter(1).toEqualTypeOf<AuthenticateOptions | undefined>();
  expectTypeOf<Gatehouse['status']>().returns.toEqualTypeOf<GatehouseStatus>();
  expectTypeOf<Gatehouse['issuerMetadata']>().returns.toEqualTypeOf<Readonly<IssuerMetadata> | undefined>();
  expectTypeOf<IssuerOptions>().toHaveProperty('issuer');
  const gh = createGatehouse(options);
  assert.equal(gh.ready, false);
  assert.equal(gh.issuerMetadata(), undefined, 'nothing is loaded before start()');
  gh.close();
});

test('internals stay out of the published types', () => {
  // @ts-expect-error the issuer validators are internal
  const validators: unknown = ({} as Gatehouse).issuers;
  // @ts-expect-error routing a token to an issuer is internal
  const route: unknown = ({} as Gatehouse).route;
  assert.equal(validators, undefined);
  assert.equal(route, undefined);
});

test('a principal is read-only and carries what handlers need', () => {
  expectTypeOf<Principal['subject']>().toEqualTypeOf<string>();
  expectTypeOf<Principal['scopes']>().toEqualTypeOf<readonly string[]>();
  expectTypeOf<Principal['roles']>().toEqualTypeOf<readonly string[]>();
  expectTypeOf<Principal['isApp']>().toEqualTypeOf<boolean>();
  expectTypeOf<Principal['tenant']>().toEqualTypeOf<string | undefined>();
});

test('requirements and routes', () => {
  expectTypeOf(requireScopes).returns.toEqualTypeOf<Requirement>();
  expectTypeOf(requireAppPermissions).returns.toEqualTypeOf<Requirement>();
  expectTypeOf<Requirement['check']>().returns.toEqualTypeOf<GatehouseError | undefined>();
  const route: RouteAuth = { require: [requireScopes(['read'])], optional: false };
  assert.equal(route.require?.length, 1);
});

test('errors have stable, narrow codes', () => {
  expectTypeOf<GatehouseError['code']>().toEqualTypeOf<GatehouseErrorCode>();
  expectTypeOf<BearerErrorCode>().toEqualTypeOf<'invalid_request' | 'invalid_token' | 'insufficient_scope'>();
  expectTypeOf<'ERR_TOKEN_EXPIRED'>().toExtend<GatehouseErrorCode>();
});

test('the diagnostics channels are named by the package and their events typed', () => {
  assert.deepEqual(core.DIAGNOSTICS_CHANNELS, {
    verify: 'gatehouse-auth:verify',
    keys: 'gatehouse-auth:keys',
    cache: 'gatehouse-auth:cache',
  });
  expectTypeOf<VerifyEvent['code']>().toEqualTypeOf<GatehouseErrorCode | undefined>();
  expectTypeOf<VerifyEvent['outcome']>().toEqualTypeOf<'accepted' | 'refused' | 'error'>();
  expectTypeOf<KeysEvent['outcome']>().toEqualTypeOf<'loaded' | 'failed'>();
  expectTypeOf<CacheEvent['result']>().toEqualTypeOf<'hit' | 'miss'>();
  expectTypeOf<VerifyEvent>().not.toHaveProperty('token');
});

test('every subpath exports what its types promise', () => {
  const expected: Record<string, [Record<string, unknown>, string[]]> = {
    'gatehouse-auth': [
      core,
      ['createGatehouse', 'requireScopes', 'GatehouseError', 'explain', 'bearerChallenge', 'dpopNonceToSend'],
    ],
    'gatehouse-auth/express': [
      expressAdapter,
      ['authenticate', 'authorize', 'sendError', 'serveResourceMetadata'],
    ],
    'gatehouse-auth/express-jwt': [expressJwt, ['expressjwt', 'jwt', 'expressJwtSecret', 'jwtAuthz']],
    'gatehouse-auth/fastify': [
      fastifyAdapter,
      ['gatehouse', 'default', 'authenticate', 'authorize', 'protect', 'sendError', 'serveResourceMetadata'],
    ],
    'gatehouse-auth/node': [nodeAdapter, ['protect', 'authenticate', 'sendError', 'serveResourceMetadata']],
    'gatehouse-auth/otel': [otel, ['instrument']],
    'gatehouse-auth/passport': [passportCompat, ['BearerStrategy']],
    'gatehouse-auth/providers': [providers, ['entra', 'b2c', 'auth0', 'keycloak', 'okta', 'cognito', 'oidc']],
    'gatehouse-auth/restify': [
      restifyAdapter,
      ['authenticate', 'authorize', 'sendError', 'serveResourceMetadata'],
    ],
    'gatehouse-auth/web': [
      webAdapter,
      [
        'protect',
        'authenticateRequest',
        'errorToResponse',
        'authenticate',
        'sendError',
        'serveResourceMetadata',
      ],
    ],
  };
  for (const [specifier, [module, names]] of Object.entries(expected)) {
    for (const name of names) assert.equal(typeof module[name], 'function', `${specifier} exports ${name}`);
  }
  expectTypeOf(fastifyAdapter.gatehouse).toBeFunction();
  expectTypeOf(core.dpopNonceToSend).parameter(0).toEqualTypeOf<core.RequestLike>();
  expectTypeOf(core.dpopNonceToSend).returns.toEqualTypeOf<string | undefined>();
  expectTypeOf(otel.instrument).parameter(0).toEqualTypeOf<Gatehouse | undefined>();
  expectTypeOf(otel.instrument).returns.toEqualTypeOf<otel.Instrumentation>();
  expectTypeOf(passportCompat.BearerStrategy).toBeConstructibleWith(
    { identityMetadata: 'https://issuer.example/.well-known/openid-configuration', clientID: 'api' },
    () => undefined,
  );
});
