import assert from 'node:assert/strict';
import { test } from 'node:test';
import { binding } from '../../src/commands/token.ts';

const jkt = 'KwnzAwjv-S7S1FLyvWoc0aSdflUbZrwqFmQ7ODRjylE';
const x5t = 'XF0lS_WbQRryIBKikS_Qi_yWpSvSj3c1YCNsuK7quW4';

test('todo token says what the token is bound to: nothing, a DPoP key, a TLS certificate, or both', () => {
  assert.match(binding({}, {}), /^Bound to: nothing \(a Bearer token/);
  assert.equal(
    binding({ cnf: { 'x5t#S256': x5t } }, {}),
    `Bound to: TLS client certificate cnf.x5t#S256 ${x5t} (RFC 8705; usable only over mutual TLS with it)`,
  );
  const both = binding(
    { cnf: { jkt, 'x5t#S256': x5t } },
    { mtls: { cert: '', key: '', thumbprint: x5t } },
  ).split('\n');
  assert.equal(both.length, 2);
  assert.match(both[0] ?? '', /^Bound to: DPoP key cnf\.jkt /);
  assert.match(both[1] ?? '', /, this run's --tls-cert \(RFC 8705/);
});
