import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GatehouseError } from '../../src/core/errors.ts';
import { issuerFits, issuerForTenant, isTenantId, keyVouchesFor } from '../../src/core/tenants.ts';

const TEMPLATE = 'https://login.microsoftonline.com/{tenantid}/v2.0';
const TID = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const OTHER = '11111111-2222-3333-4444-555555555555';

function refusedFor(claim: string, description: RegExp) {
  return (e: unknown) => {
    assert.ok(e instanceof GatehouseError, String(e));
    assert.equal(e.code, 'ERR_TOKEN_ISSUER');
    assert.equal(e.claim, claim);
    assert.match(e.description, description);
    return true;
  };
}

describe('tenants: every {tenantid} rule in one place', () => {
  it('a tenant id is a GUID, in either case', () => {
    assert.equal(isTenantId(TID), true);
    assert.equal(isTenantId(TID.toUpperCase()), true);
    assert.equal(isTenantId('common'), false);
    assert.equal(isTenantId(`${TID}x`), false);
    assert.equal(isTenantId(42), false);
  });

  it('routing: a template fits any tenant in its slot, an exact issuer only itself', () => {
    assert.equal(issuerFits(TEMPLATE, `https://login.microsoftonline.com/${TID}/v2.0`), true);
    assert.equal(issuerFits(TEMPLATE, 'https://login.microsoftonline.com/common/v2.0'), false);
    assert.equal(issuerFits('https://a.example', 'https://a.example'), true);
    assert.equal(issuerFits('https://a.example', 'https://a.example/'), false);
  });

  it('the expected issuer fills the template from tid, for an allowed tenant only', () => {
    assert.equal(issuerForTenant('https://a.example', { tid: 'x' }, undefined), 'https://a.example');
    assert.equal(
      issuerForTenant(TEMPLATE, { tid: TID }, [TID]),
      `https://login.microsoftonline.com/${TID}/v2.0`,
    );
    assert.equal(
      issuerForTenant(TEMPLATE, { tid: OTHER }, 'any'),
      `https://login.microsoftonline.com/${OTHER}/v2.0`,
    );
    assert.throws(
      () => issuerForTenant(TEMPLATE, { tid: OTHER }, [TID]),
      refusedFor('tid', /untrusted tenant/),
    );
    assert.throws(
      () => issuerForTenant(TEMPLATE, { tid: TID }, undefined),
      refusedFor('tid', /untrusted tenant/),
    );
    assert.throws(
      () => issuerForTenant(TEMPLATE, { tid: 'common' }, 'any'),
      refusedFor('tid', /untrusted issuer/),
    );
  });

  it('a key vouches for its own tenant, in v1 and v2 issuers alike, and for no other', () => {
    const v2 = `https://login.microsoftonline.com/${TID}/v2.0`;
    const v1 = `https://sts.windows.net/${TID}/`;
    assert.equal(keyVouchesFor(TEMPLATE, { iss: v2, tid: TID }), true);
    assert.equal(keyVouchesFor(v2, { iss: v1, tid: TID }), true);
    assert.equal(keyVouchesFor(v2, { iss: `https://sts.windows.net/${OTHER}/`, tid: OTHER }), false);
    assert.equal(keyVouchesFor(v2, { tid: TID }), false);
  });
});
