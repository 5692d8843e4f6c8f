import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { JWTPayload } from 'jose';
import {
  authorize,
  ConfigurationError,
  defaultClaimMapping,
  GatehouseError,
  type Principal,
  requireAppPermissions,
  requireClaim,
  requireScopeOrAppPermission,
  requireScopes,
} from '../../src/index.ts';

function principal(claims: JWTPayload): Principal {
  const scopes = defaultClaimMapping.scopes(claims);
  const roles = defaultClaimMapping.roles(claims);
  return {
    subject: 's',
    issuer: 'i',
    issuerSubject: '["i","s"]',
    tenant: undefined,
    clientId: undefined,
    scopes,
    roles,
    isApp: defaultClaimMapping.isApp(claims, scopes, roles),
    policy: undefined,
    expiresAt: 0,
    claims,
  };
}

const user = principal({ scp: 'ToDoList.Read' });
const app = principal({ roles: ['ToDoList.Read.All'], idtyp: 'app' });
const status = (run: () => unknown) => {
  try {
    run();
    return 200;
  } catch (e) {
    assert.ok(e instanceof GatehouseError);
    return e.status;
  }
};

describe('policy: scopes, app permissions and claims', () => {
  it('requireScopes matches any (default) or all, exactly and case-sensitively', () => {
    assert.equal(
      status(() => authorize(user, [requireScopes(['ToDoList.Read', 'X'])])),
      200,
    );
    assert.equal(
      status(() => authorize(user, [requireScopes(['ToDoList.Read', 'X'], { match: 'all' })])),
      403,
    );
    assert.equal(
      status(() => authorize(principal({ scp: 'ToDoList.ReadX' }), [requireScopes(['ToDoList.Read'])])),
      403,
    );
    assert.equal(
      status(() => authorize(principal({ scp: 'todolist.read' }), [requireScopes(['ToDoList.Read'])])),
      403,
    );
  });

  it('reads scopes from scp or scope, string or array', () => {
    for (const claims of [{ scp: 'a b' }, { scope: 'a b' }, { scp: ['a', 'b'] }, { scope: ['a', 'b'] }]) {
      assert.deepEqual(principal(claims).scopes, ['a', 'b']);
    }
  });

  it('requireScopeOrAppPermission: users by scp, apps by roles (Microsoft.Identity.Web semantics)', () => {
    const req = requireScopeOrAppPermission({
      scopes: ['ToDoList.Read'],
      appPermissions: ['ToDoList.Read.All'],
    });
    assert.equal(
      status(() => authorize(user, [req])),
      200,
    );
    assert.equal(
      status(() => authorize(app, [req])),
      200,
    );
    const write = requireScopeOrAppPermission({
      scopes: ['ToDoList.ReadWrite'],
      appPermissions: ['ToDoList.ReadWrite.All'],
    });
    const error = write.check(app);
    assert.equal(error?.status, 403);
    assert.deepEqual(error?.scope, ['ToDoList.ReadWrite.All'], 'an app is told the app permission it lacks');
    assert.deepEqual(write.check(user)?.scope, ['ToDoList.ReadWrite']);
  });

  it('isApp: idtyp app, or roles without delegated scopes', () => {
    assert.equal(app.isApp, true);
    assert.equal(principal({ roles: ['r'] }).isApp, true);
    assert.equal(principal({ roles: ['r'], scp: 's' }).isApp, false);
    assert.equal(user.isApp, false);
  });

  it('requireAppPermissions', () => {
    assert.equal(
      status(() => authorize(app, [requireAppPermissions(['ToDoList.Read.All'])])),
      200,
    );
    assert.equal(
      status(() => authorize(user, [requireAppPermissions(['ToDoList.Read.All'])])),
      403,
    );
  });

  it('requireClaim by value, array membership or predicate', () => {
    const p = principal({ tfp: 'B2C_1_mfa', groups: ['g1', 'g2'], age: 30 });
    assert.equal(
      status(() => authorize(p, [requireClaim('tfp', 'B2C_1_mfa')])),
      200,
    );
    assert.equal(
      status(() => authorize(p, [requireClaim('tfp', 'B2C_1_other')])),
      403,
    );
    assert.equal(
      status(() => authorize(p, [requireClaim('groups', 'g2')])),
      200,
    );
    assert.equal(
      status(() => authorize(p, [requireClaim('age', (v) => typeof v === 'number' && v >= 18)])),
      200,
    );
    assert.equal(
      status(() => authorize(p, [requireClaim('missing', 'x')])),
      403,
    );
  });

  it('no principal is a 401', () => {
    assert.equal(
      status(() => authorize(null, [])),
      401,
    );
  });

  it('refuses empty or non-string requirement lists at construction', () => {
    assert.throws(() => requireScopes([]), ConfigurationError);
    assert.throws(() => requireScopes(['']), ConfigurationError);
    assert.throws(
      () => requireScopeOrAppPermission({ scopes: ['a'], appPermissions: [] }),
      ConfigurationError,
    );
  });
});
