/**
 * Challenges that tell a client what to do next: RFC 9470 step-up, Microsoft's claims challenge,
 * RFC 9728 `resource_metadata`, and the protected-resource metadata document itself.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TestIssuer } from 'gatehouse-test-support/issuer';
import type { JWTPayload } from 'jose';
import { buildPrincipal, type ClaimMapping, defaultClaimMapping } from '../../src/core/principal.ts';
import {
  bearerChallenge,
  ConfigurationError,
  claimsChallenge,
  createGatehouse,
  encodeClaims,
  errorResponse,
  InsufficientClaimsError,
  InsufficientUserAuthenticationError,
  isClaimsChallengeCapable,
  type Principal,
  protectedResourceMetadata,
  requireAuthContext,
  requireAuthentication,
  resourceMetadataPath,
  resourceMetadataUrl,
} from '../../src/index.ts';
import { b2c, entra } from '../../src/providers/index.ts';

const NOW = 1_800_000_000;
const clock = () => NOW * 1000;

function principal(claims: JWTPayload, mapping: ClaimMapping = defaultClaimMapping): Principal {
  return buildPrincipal({ sub: 'user-1', exp: NOW + 600, ...claims }, 'https://issuer.example', mapping);
}

function challenge(error: unknown, context?: Parameters<typeof errorResponse>[1]): string | undefined {
  return errorResponse(error, context).headers['www-authenticate'];
}

describe('RFC 9470 step-up: requireAuthentication', () => {
  const stepUp = requireAuthentication({ acr: ['urn:example:mfa', 'phr'], maxAge: 600, clock });

  it('passes a token with one of the acr values, authenticated within max_age', () => {
    assert.equal(stepUp.check(principal({ acr: 'phr', auth_time: NOW - 600 })), undefined);
  });

  it('refuses another acr with 401 insufficient_user_authentication, acr_values and max_age (§3)', () => {
    const error = stepUp.check(principal({ acr: 'pwd', auth_time: NOW }));
    assert.ok(error instanceof InsufficientUserAuthenticationError);
    assert.equal(error.status, 401);
    assert.equal(error.code, 'ERR_INSUFFICIENT_USER_AUTHENTICATION');
    assert.equal(
      challenge(error, 'api'),
      'Bearer realm="api", error="insufficient_user_authentication", ' +
        'error_description="A different authentication level is required", acr_values="urn:example:mfa phr", max_age="600"',
    );
  });

  it('refuses an authentication older than max_age, or without auth_time, as not recent enough', () => {
    for (const claims of [
      { acr: 'phr', auth_time: NOW - 601 },
      { acr: 'phr' },
      { acr: 'phr', auth_time: 'x' },
    ]) {
      const error = stepUp.check(principal(claims));
      assert.equal(error?.description, 'More recent authentication is required', JSON.stringify(claims));
      assert.equal(error?.challenge?.maxAge, 600);
    }
  });

  it('max_age alone, and acr alone, send only their own parameter', () => {
    const recent = requireAuthentication({ maxAge: 0, clock });
    assert.equal(recent.check(principal({ auth_time: NOW })), undefined);
    assert.equal(
      challenge(recent.check(principal({ auth_time: NOW - 1 }))),
      'Bearer error="insufficient_user_authentication", error_description="More recent authentication is required", max_age="0"',
    );
    const acr = requireAuthentication({ acr: ['gold'] });
    assert.equal(
      challenge(acr.check(principal({ acr: 'silver' }))),
      'Bearer error="insufficient_user_authentication", error_description="A different authentication level is required", acr_values="gold"',
    );
  });

  it('matches acr exactly and case-sensitively', () => {
    const gold = requireAuthentication({ acr: ['gold'] });
    for (const acr of ['Gold', 'gold ', 'golden', ['gold']]) {
      assert.ok(gold.check(principal({ acr })) !== undefined, JSON.stringify(acr));
    }
  });

  it('refuses bad configuration at start-up', () => {
    for (const options of [
      {},
      { acr: [] },
      { acr: ['a b'] },
      { acr: ['a"b'] },
      { maxAge: -1 },
      { maxAge: 1.5 },
    ]) {
      assert.throws(() => requireAuthentication(options), ConfigurationError, JSON.stringify(options));
    }
  });

  it('reads each preset’s authentication context: Entra acrs, B2C policy', () => {
    const entraMapping = {
      ...defaultClaimMapping,
      ...entra({ tenantId: '00000000-0000-0000-0000-000000000001', clientId: 'c' }).issuers[0]!.claims,
    };
    const p = principal({ acr: '1', acrs: ['c1', 'c2'] }, entraMapping);
    assert.deepEqual(p.authContext, ['c1', 'c2']);
    assert.equal(requireAuthentication({ acr: ['c2'] }).check(p), undefined);
    const b2cMapping = {
      ...defaultClaimMapping,
      ...b2c({ tenant: 't', tenantId: 'tid', clientId: 'c', policies: ['B2C_1_mfa'] }).issuers[0]!.claims,
    };
    assert.deepEqual(principal({ tfp: 'B2C_1_mfa' }, b2cMapping).authContext, ['B2C_1_mfa']);
    assert.deepEqual(principal({ acr: 'b2c_1_susi' }, b2cMapping).authContext, ['b2c_1_susi']);
    assert.deepEqual(principal({ acr: 'pwd' }).authContext, ['pwd']);
    assert.deepEqual(principal({}).authContext, []);
  });
});

describe('Microsoft claims challenge (insufficient_claims)', () => {
  // Microsoft identity platform, "Claims challenges, claims requests and client capabilities".
  const C1 = 'eyJhY2Nlc3NfdG9rZW4iOnsiYWNycyI6eyJlc3NlbnRpYWwiOnRydWUsInZhbHVlIjoiYzEifX19';

  it('encodes the claims request as the documented example does', () => {
    assert.equal(encodeClaims({ access_token: { acrs: { essential: true, value: 'c1' } } }), C1);
    assert.equal(encodeClaims('{"access_token":{"acrs":{"essential":true,"value":"c1"}}}'), C1);
    for (const bad of ['not json', '[1]', 'null']) assert.throws(() => encodeClaims(bad), ConfigurationError);
  });

  it('a cp1 client gets 401 with authorization_uri, error and claims, in the documented order', () => {
    const p = principal({ xms_cc: ['cp1'] });
    assert.ok(isClaimsChallengeCapable(p));
    const error = claimsChallenge(
      p,
      { access_token: { acrs: { essential: true, value: 'c1' } } },
      {
        authorizationUri: 'https://login.microsoftonline.com/common/oauth2/authorize',
      },
    );
    assert.ok(error instanceof InsufficientClaimsError);
    assert.equal(error.status, 401);
    assert.equal(
      challenge(error, 'api'),
      'Bearer realm="api", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", ' +
        `error="insufficient_claims", claims="${C1}"`,
    );
  });

  it('xms_cc may be a string or an array; anything without cp1 gets a plain 403 and no claims', () => {
    assert.ok(isClaimsChallengeCapable(principal({ xms_cc: 'cp1' })));
    for (const xms_cc of [undefined, [], ['CP1'], 'cp2', ['cp10']]) {
      const p = principal(xms_cc === undefined ? {} : { xms_cc });
      assert.equal(isClaimsChallengeCapable(p), false);
      const error = requireAuthContext('c1').check(p);
      assert.equal(error?.status, 403);
      assert.equal(error?.code, 'ERR_FORBIDDEN');
      assert.doesNotMatch(challenge(error) ?? '', /claims=|insufficient_claims/);
    }
  });

  it('requireAuthContext passes a token whose acrs holds the context', () => {
    assert.equal(requireAuthContext('c1').check(principal({ xms_cc: ['cp1'], acrs: ['c1'] })), undefined);
    assert.equal(requireAuthContext('c1').check(principal({ xms_cc: ['cp1'], acrs: ['c2'] }))?.status, 401);
    assert.throws(() => requireAuthContext(''), ConfigurationError);
    assert.throws(
      () => requireAuthContext('c1', { authorizationUri: 'http://evil.example/' }),
      ConfigurationError,
    );
  });
});

describe('RFC 9728: resource_metadata and the protected-resource metadata document', () => {
  let issuer: TestIssuer;
  before(async () => {
    issuer = await TestIssuer.start(['RS256']);
  });
  after(async () => {
    await issuer?.close();
  });

  it('puts the well-known suffix between host and path (§3.1)', () => {
    assert.equal(
      resourceMetadataUrl('https://api.example.com'),
      'https://api.example.com/.well-known/oauth-protected-resource',
    );
    assert.equal(
      resourceMetadataUrl('https://api.example.com/mcp'),
      'https://api.example.com/.well-known/oauth-protected-resource/mcp',
    );
    assert.equal(
      resourceMetadataUrl('http://127.0.0.1:8080/a/b/'),
      'http://127.0.0.1:8080/.well-known/oauth-protected-resource/a/b',
    );
    assert.equal(
      resourceMetadataPath('https://api.example.com/mcp'),
      '/.well-known/oauth-protected-resource/mcp',
    );
    for (const bad of ['http://api.example.com/', 'https://api.example.com/#x', 'not a url']) {
      assert.throws(() => resourceMetadataUrl(bad), ConfigurationError, bad);
    }
  });

  it('bearerChallenge quotes resource_metadata last', () => {
    assert.equal(
      bearerChallenge({
        realm: 'api',
        resourceMetadata: 'https://x.example/.well-known/oauth-protected-resource',
      }),
      'Bearer realm="api", resource_metadata="https://x.example/.well-known/oauth-protected-resource"',
    );
  });

  it('createGatehouse refuses a resourceMetadata that is not an https URL', () => {
    for (const resourceMetadata of ['http://api.example.com/x', 'nope']) {
      assert.throws(
        () => createGatehouse({ issuer: issuer.url, audience: issuer.audience, resourceMetadata }),
        ConfigurationError,
      );
    }
  });

  it('the document names the trusted issuers as authorization servers, and the header bearer method', () => {
    const gh = createGatehouse({
      issuers: [
        { issuer: issuer.url, audience: issuer.audience },
        {
          issuer: 'https://login.example.com/{tenantid}/v2.0',
          jwksUri: 'https://login.example.com/keys',
          audience: 'a',
          tenants: 'any',
        },
        { issuer: issuer.url, audience: 'other' },
      ],
    });
    assert.deepEqual(
      protectedResourceMetadata(gh, {
        resource: 'https://api.example.com/mcp',
        scopesSupported: ['mcp:tools'],
        resourceName: 'Example',
      }),
      {
        resource: 'https://api.example.com/mcp',
        authorization_servers: [issuer.url],
        scopes_supported: ['mcp:tools'],
        bearer_methods_supported: ['header'],
        resource_name: 'Example',
      },
    );
    assert.deepEqual(
      protectedResourceMetadata(gh, {
        resource: 'https://api.example.com',
        authorizationServers: ['https://as.example'],
      }).authorization_servers,
      ['https://as.example'],
    );
    assert.throws(() =>
      protectedResourceMetadata(gh, { resource: 'https://api.example.com', scopesSupported: [''] }),
    );
  });
});
