import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TestIssuer } from 'gatehouse-test-support/issuer';
import { consoleLogger } from '../../src/compat/passport-azure-ad/options.ts';
import { createGatehouse, GatehouseError, requireScopes } from '../../src/index.ts';

const FORGED = '\n gatehouse: request accepted\x1b[2K\r\x9b2K\u2028\u202e\x7f';
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const ACTIVE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

describe('log lines never carry a token’s control characters', () => {
  test('a refused token with control characters in kid, typ and scopes logs them escaped', async () => {
    const issuer = await TestIssuer.start(['RS256']);
    const lines: string[] = [];
    const capture = (obj: object, msg: string) => {
      lines.push(msg, ...Object.values(obj).filter((v): v is string => typeof v === 'string'));
    };
    const gh = createGatehouse({
      issuer: issuer.url,
      jwksUri: issuer.jwksUri,
      audience: issuer.audience,
      logger: { info: capture, warn: capture, error: capture },
    });
    try {
      const tokens = [
        await issuer.sign({}, { kid: `k1${FORGED}` }),
        await issuer.sign({}, { header: { typ: `JWT${FORGED}` } }),
      ];
      for (const token of tokens) {
        await assert.rejects(
          gh.authenticate({ headers: { authorization: `Bearer ${token}` } }),
          GatehouseError,
        );
      }
      const scoped = await issuer.sign({ scp: `read${FORGED}` });
      const principal = await gh.authenticate({ headers: { authorization: `Bearer ${scoped}` } });
      assert.throws(() => gh.authorize(principal, [requireScopes(['write'])]), GatehouseError);
      assert.ok(lines.length >= 6);
      for (const line of lines) assert.doesNotMatch(line, ACTIVE, JSON.stringify(line));
      assert.ok(
        lines.some((l) => l.includes('k1\\n gatehouse: request accepted\\u001b[2K\\r\\u009b2K\\u2028')),
      );
    } finally {
      gh.close();
      await issuer.close();
    }
  });

  test('a refused token’s error message and detail carry no control characters (any framework may log them)', async () => {
    const issuer = await TestIssuer.start(['RS256']);
    const gh = createGatehouse({ issuer: issuer.url, jwksUri: issuer.jwksUri, audience: issuer.audience });
    try {
      const token = await issuer.sign({}, { kid: `k1${FORGED}` });
      await assert.rejects(
        gh.authenticate({ headers: { authorization: `Bearer ${token}` } }),
        (e: unknown) => {
          assert.ok(e instanceof GatehouseError);
          assert.equal(e.code, 'ERR_TOKEN_UNKNOWN_KEY');
          assert.doesNotMatch(e.message, ACTIVE);
          assert.doesNotMatch(e.detail, ACTIVE);
          // The stack's first line is the message, whole: no line of it comes from the token.
          assert.ok(e.stack?.startsWith(`${e.name}: ${e.message}\n    at `));
          return true;
        },
      );
    } finally {
      gh.close();
      await issuer.close();
    }
  });

  test('the passport drop-in console logger escapes message and fields', (t) => {
    const written: string[] = [];
    t.mock.method(console, 'info', (line: string) => written.push(line));
    consoleLogger('info').info?.({ kid: `k1${FORGED}` }, `gatehouse: request refused: kid k1${FORGED}`);
    assert.equal(written.length, 1);
    assert.doesNotMatch(written[0]!, ACTIVE);
    const json = written[0]!.slice(written[0]!.indexOf(' {') + 1);
    assert.equal((JSON.parse(json) as { kid: string }).kid, `k1${FORGED}`);
  });
});
