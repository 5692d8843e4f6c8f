import assert from 'node:assert/strict';
import { test } from 'node:test';
import { toEntraScope, translateEntraScopes } from '../src/entra-scopes.ts';

function translate(query: string, endpoint: 'authorization' | 'token') {
  const params = new URLSearchParams(query);
  const translation = translateEntraScopes(params, endpoint);
  return { translation, scope: params.get('scope'), resource: params.get('resource') };
}

test('Entra-style API scopes become a resource and bare scopes', () => {
  assert.deepEqual(translate('scope=openid api://todo/ToDoList.Read profile', 'authorization'), {
    translation: 'entra',
    scope: 'openid ToDoList.Read profile',
    resource: 'api://todo',
  });
});

test('.default: every delegated scope when authorizing, nothing at the token endpoint', () => {
  assert.deepEqual(translate('scope=openid api://todo/.default', 'authorization'), {
    translation: 'entra',
    scope: 'openid ToDoList.Read ToDoList.ReadWrite',
    resource: 'api://todo',
  });
  assert.deepEqual(translate('scope=api://todo/.default', 'token'), {
    translation: 'entra',
    scope: null,
    resource: 'api://todo',
  });
});

test('offline_access is dropped at the token endpoint only', () => {
  assert.equal(translate('scope=api://todo/ToDoList.Read offline_access', 'token').scope, 'ToDoList.Read');
  assert.equal(
    translate('scope=api://todo/ToDoList.Read offline_access', 'authorization').scope,
    'ToDoList.Read offline_access',
  );
});

test('bare API scopes are pinned to the API; other requests are left alone', () => {
  assert.deepEqual(translate('scope=ToDoList.Read', 'authorization'), {
    translation: 'pinned',
    scope: 'ToDoList.Read',
    resource: 'api://todo',
  });
  assert.equal(translate('scope=openid profile', 'authorization').translation, 'unchanged');
  assert.equal(translate('scope=ToDoList.ReadX', 'authorization').translation, 'unchanged');
  const explicit = translate('scope=api://todo/ToDoList.Read&resource=api://todo', 'authorization');
  assert.equal(explicit.translation, 'unchanged');
  assert.equal(explicit.scope, 'api://todo/ToDoList.Read');
});

test('token responses name API scopes the Entra way', () => {
  assert.equal(
    toEntraScope('openid ToDoList.Read offline_access'),
    'openid api://todo/ToDoList.Read offline_access',
  );
});
