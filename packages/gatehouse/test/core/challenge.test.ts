import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  bearerChallenge,
  errorResponse,
  InsufficientScopeError,
  InvalidTokenError,
  KeysUnavailableError,
  MissingTokenError,
} from '../../src/index.ts';

describe('challenge: RFC 6750 WWW-Authenticate values', () => {
  it('is a bare Bearer challenge with only a realm when no token was sent', () => {
    assert.equal(bearerChallenge({ realm: 'api' }), 'Bearer realm="api"');
    assert.equal(bearerChallenge({}), 'Bearer');
  });

  it('carries error, description and scope as quoted strings', () => {
    assert.equal(
      bearerChallenge({
        realm: 'api',
        error: 'insufficient_scope',
        description: 'need more',
        scope: ['a', 'b'],
      }),
      'Bearer realm="api", error="insufficient_scope", error_description="need more", scope="a b"',
    );
  });

  it('escapes backslashes and quotes, and strips CR/LF so no header can be injected', () => {
    const value = bearerChallenge({
      realm: 'r"e\\alm',
      error: 'invalid_token',
      description: 'a"b\r\nSet-Cookie: x=1',
    });
    assert.equal(
      value,
      'Bearer realm="r\\"e\\\\alm", error="invalid_token", error_description="a b  Set-Cookie: x=1"',
    );
    assert.ok(!/[\r\n]/.test(value));
  });
});

describe('errorResponse: the answer every adapter copies', () => {
  it('401 without error for a missing token', () => {
    const r = errorResponse(new MissingTokenError(), 'api');
    assert.equal(r.status, 401);
    assert.equal(r.headers['www-authenticate'], 'Bearer realm="api"');
    assert.equal(r.headers['content-type'], 'application/problem+json');
    assert.equal(r.body.code, 'ERR_TOKEN_MISSING');
  });

  it('401 invalid_token with a short description, never the private detail', () => {
    const r = errorResponse(
      new InvalidTokenError('ERR_TOKEN_AUDIENCE', {
        description: 'wrong audience',
        detail: 'aud "x" from https://idp',
      }),
      'api',
    );
    assert.equal(
      r.headers['www-authenticate'],
      'Bearer realm="api", error="invalid_token", error_description="wrong audience"',
    );
    assert.ok(!JSON.stringify(r).includes('https://idp'));
  });

  it('403 insufficient_scope names the scope', () => {
    const r = errorResponse(new InsufficientScopeError({ scope: ['ToDoList.ReadWrite'] }), 'api');
    assert.equal(r.status, 403);
    assert.match(r.headers['www-authenticate']!, /error="insufficient_scope".*scope="ToDoList.ReadWrite"/);
  });

  it('503 with Retry-After and no challenge when keys are unavailable', () => {
    const r = errorResponse(new KeysUnavailableError({ retryAfter: 7 }), 'api');
    assert.equal(r.status, 503);
    assert.equal(r.headers['retry-after'], '7');
    assert.equal(r.headers['www-authenticate'], undefined);
  });

  it('500 with nothing internal for an unknown error', () => {
    const r = errorResponse(new Error('db password is hunter2'));
    assert.equal(r.status, 500);
    assert.ok(!JSON.stringify(r).includes('hunter2'));
  });
});
