import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from 'gatehouse-todo-api/config-error';
import { loadConfig } from '../src/config.ts';

function refused(env: Record<string, string>, variable: string, pattern?: RegExp): void {
  assert.throws(
    () => loadConfig(env),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.equal(error.variable, variable);
      assert.ok(!error.message.includes('\n'), 'one line');
      if (pattern) assert.match(error.message, pattern);
      return true;
    },
  );
}

describe('loadConfig', () => {
  it('defaults to the npm start layout', () => {
    const config = loadConfig({});
    assert.equal(config.port, 3002);
    assert.equal(config.host, '127.0.0.1');
    assert.equal(config.baseUrl, 'http://localhost:3002');
    assert.equal(config.redirectUri, 'http://localhost:3002/auth/callback');
    assert.equal(config.postLogoutRedirectUri, 'http://localhost:3002/');
    assert.equal(config.issuer, 'http://localhost:3001');
    assert.equal(config.clientId, 'todo-web');
    assert.equal(config.apiUrl, 'http://127.0.0.1:3000');
    assert.match(
      config.scopes,
      /^openid .*offline_access api:\/\/todo\/ToDoList\.Read api:\/\/todo\/ToDoList\.ReadWrite$/,
    );
    assert.equal(config.secure, false);
    assert.deepEqual(config.sessionSecrets, []);
  });

  it('reads what npm start passes: PORT, AUTH_ISSUER and API_URL', () => {
    const config = loadConfig({
      PORT: '4002',
      AUTH_ISSUER: 'http://localhost:4001/',
      API_URL: 'http://127.0.0.1:4000/',
    });
    assert.equal(config.port, 4002);
    assert.equal(config.baseUrl, 'http://localhost:4002');
    assert.equal(config.issuer, 'http://localhost:4001');
    assert.equal(config.apiUrl, 'http://127.0.0.1:4000');
  });

  it('prefers WEB_PORT over PORT and TODO_API_URL over API_URL', () => {
    const config = loadConfig({
      PORT: '1',
      WEB_PORT: '5002',
      API_URL: 'http://127.0.0.1:1',
      TODO_API_URL: 'https://api.example.com',
    });
    assert.equal(config.port, 5002);
    assert.equal(config.apiUrl, 'https://api.example.com');
  });

  it('uses https cookies and redirect URIs behind WEB_BASE_URL', () => {
    const config = loadConfig({
      WEB_BASE_URL: 'https://todo.example.com/',
      AUTH_ISSUER: 'https://login.example.com/tenant/v2.0',
    });
    assert.equal(config.secure, true);
    assert.equal(config.redirectUri, 'https://todo.example.com/auth/callback');
    assert.equal(config.issuer, 'https://login.example.com/tenant/v2.0');
  });

  it('accepts rotating secrets and other scopes', () => {
    const a = 'a'.repeat(32);
    const b = 'b'.repeat(40);
    const config = loadConfig({
      WEB_SESSION_SECRET: `${a}, ${b}`,
      WEB_SCOPES: ' openid  api://todo/ToDoList.Read ',
    });
    assert.deepEqual(config.sessionSecrets, [a, b]);
    assert.equal(config.scopes, 'openid api://todo/ToDoList.Read');
  });

  it('refuses bad values with one line naming the variable', () => {
    refused({ WEB_PORT: 'x' }, 'WEB_PORT');
    refused({ PORT: '70000' }, 'PORT');
    refused({ WEB_PORT: '0' }, 'WEB_PORT', /WEB_BASE_URL/);
    refused({ HOST: 'bad host' }, 'HOST');
    refused({ AUTH_ISSUER: 'not a url' }, 'AUTH_ISSUER');
    refused({ AUTH_ISSUER: 'http://idp.example.com' }, 'AUTH_ISSUER', /https/);
    refused({ TODO_API_URL: 'http://api.example.com' }, 'TODO_API_URL', /https/);
    refused({ API_URL: 'ftp://127.0.0.1' }, 'API_URL');
    refused({ WEB_BASE_URL: 'https://example.com/app' }, 'WEB_BASE_URL', /origin/);
    refused({ WEB_BASE_URL: 'http://example.com' }, 'WEB_BASE_URL', /https/);
    refused({ WEB_SCOPES: 'api://todo/ToDoList.Read' }, 'WEB_SCOPES', /openid/);
    refused({ WEB_SESSION_SECRET: 'short' }, 'WEB_SESSION_SECRET', /32/);
    refused({ WEB_CLIENT_ID: 'two words' }, 'WEB_CLIENT_ID');
    refused({ WEB_RESOURCE: 'todo' }, 'WEB_RESOURCE');
    refused({ LOG_LEVEL: 'loud' }, 'LOG_LEVEL');
  });
});
