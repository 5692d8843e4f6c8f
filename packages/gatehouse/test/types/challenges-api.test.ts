/**
 * The challenge API as a user's TypeScript sees it, from the published `.d.ts` files (imported
 * by package name): step-up, claims challenges and RFC 9728 metadata.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { expectTypeOf } from 'expect-type';
import {
  type ChallengeHints,
  claimsChallenge,
  type ExtendedBearerErrorCode,
  type GatehouseError,
  type GatehouseOptions,
  type InsufficientClaimsError,
  type InsufficientUserAuthenticationError,
  type Principal,
  type ProtectedResourceMetadata,
  protectedResourceMetadata,
  type Requirement,
  requireAuthContext,
  requireAuthentication,
  resourceMetadataUrl,
} from 'gatehouse-auth';
import * as expressAdapter from 'gatehouse-auth/express';
import * as fastifyAdapter from 'gatehouse-auth/fastify';
import * as nodeAdapter from 'gatehouse-auth/node';
import * as webAdapter from 'gatehouse-auth/web';

test('step-up, claims challenge and resource metadata are typed', () => {
  expectTypeOf(requireAuthentication).returns.toEqualTypeOf<Requirement>();
  expectTypeOf(requireAuthContext).returns.toEqualTypeOf<Requirement>();
  expectTypeOf(claimsChallenge).returns.toEqualTypeOf<GatehouseError>();
  expectTypeOf(resourceMetadataUrl).returns.toEqualTypeOf<string>();
  expectTypeOf(protectedResourceMetadata).returns.toEqualTypeOf<ProtectedResourceMetadata>();
  expectTypeOf<GatehouseOptions['resourceMetadata']>().toEqualTypeOf<string | undefined>();
  expectTypeOf<Principal['authContext']>().toEqualTypeOf<readonly string[] | undefined>();
  expectTypeOf<GatehouseError['challenge']>().toEqualTypeOf<Readonly<ChallengeHints> | undefined>();
  expectTypeOf<ExtendedBearerErrorCode>().toEqualTypeOf<
    'insufficient_user_authentication' | 'insufficient_claims'
  >();
  expectTypeOf<InsufficientClaimsError>().toExtend<GatehouseError>();
  expectTypeOf<InsufficientUserAuthenticationError>().toExtend<GatehouseError>();
});

test('every adapter exports its metadata handler', () => {
  for (const [name, module, key] of [
    ['express', expressAdapter, 'serveResourceMetadata'],
    ['node', nodeAdapter, 'serveResourceMetadata'],
    ['web', webAdapter, 'serveResourceMetadata'],
    ['fastify', fastifyAdapter, 'resourceMetadata'],
  ] as const) {
    assert.equal(
      typeof (module as Record<string, unknown>)[key],
      'function',
      `gatehouse-auth/${name} exports ${key}`,
    );
  }
  assert.equal(
    resourceMetadataUrl('https://a.example/mcp'),
    'https://a.example/.well-known/oauth-protected-resource/mcp',
  );
});
