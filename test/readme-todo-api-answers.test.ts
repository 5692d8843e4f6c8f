/**
 * The to-do API's README shows two answers to a user's DELETE: the RFC 9470 step-up challenge
 * (`STEP_UP_ACR=mfa`, `STEP_UP_MAX_AGE=600`) and the Entra claims challenge
 * (`STEP_UP_AUTH_CONTEXT=c1`). Here the real app, configured as the README says, answers the same
 * request, and the README's status line and `WWW-Authenticate` must be exactly what it sent. The
 * blocks say `<!-- checked-by: test/readme-todo-api-answers.test.ts -->`.
 */
import assert from 'node:assert/strict';
import { STATUS_CODES } from 'node:http';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { bearer, makeTestApp } from '../apps/todo-api/test/helpers/app.ts';
import { codeBlocks } from './readme/markdown.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const README = 'apps/todo-api/README.md';
/** Where the README's examples run the API: `npm start`'s default address. */
const HOST = '127.0.0.1:3000';

function shown(mentioning: string): string[] {
  const block = codeBlocks(root, README).find(
    (b) => b.checkedBy === 'test/readme-todo-api-answers.test.ts' && b.code.includes(mentioning),
  );
  assert.ok(block, `no checked-by block in ${README} mentions ${mentioning}`);
  return block.code.split('\n').filter((line) => line !== '');
}

/** A user's DELETE of their own item, answered by the API configured with `env`. */
async function deleteAnswer(env: Record<string, string>, claims: Record<string, unknown>): Promise<string[]> {
  const t = await makeTestApp(env);
  try {
    const token = await t.issuer.userToken('alice', undefined, claims);
    const headers = { ...bearer(token), host: HOST };
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/todos',
      headers,
      payload: { text: 'the README example', owner: 'alice' },
    });
    assert.equal(created.statusCode, 201, created.body);
    const { id } = created.json() as { id: string };
    const refused = await t.app.inject({ method: 'DELETE', url: `/api/todos/${id}`, headers });
    return [
      `HTTP/1.1 ${refused.statusCode} ${STATUS_CODES[refused.statusCode]}`,
      `WWW-Authenticate: ${refused.headers['www-authenticate']}`,
    ];
  } finally {
    await t.close();
  }
}

describe(`${README}: the answers it shows are the API's`, () => {
  it('Step-up for deleting: a password sign-in', async () => {
    const answer = await deleteAnswer(
      { STEP_UP_ACR: 'mfa', STEP_UP_MAX_AGE: '600' },
      { acr: 'pwd', auth_time: Math.floor(Date.now() / 1000) - 30 },
    );
    assert.deepEqual(answer, shown('insufficient_user_authentication'));
  });

  it('Entra authentication context: a cp1 client whose token lacks c1', async () => {
    const answer = await deleteAnswer({ STEP_UP_AUTH_CONTEXT: 'c1' }, { xms_cc: ['cp1'] });
    assert.deepEqual(answer, shown('insufficient_claims'));
  });
});
