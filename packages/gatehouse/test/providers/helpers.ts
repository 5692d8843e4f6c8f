import assert from 'node:assert/strict';
import { type Gatehouse, GatehouseError, type Principal } from '../../src/index.ts';

/** Verifies and returns the principal, or the error code. */
export async function outcome(gh: Gatehouse, token: string): Promise<Principal | string> {
  try {
    return await gh.verify(token);
  } catch (error) {
    assert.ok(error instanceof GatehouseError, String(error));
    assert.equal(error.status === 401 || error.status === 503, true, `${error.code}: ${error.detail}`);
    return error.code;
  }
}

export async function accepted(gh: Gatehouse, token: string): Promise<Principal> {
  const result = await outcome(gh, token);
  assert.ok(typeof result !== 'string', `refused: ${result}`);
  return result;
}

export async function refused(gh: Gatehouse, token: string, code: string, detail?: RegExp): Promise<void> {
  try {
    await gh.verify(token);
  } catch (error) {
    assert.ok(error instanceof GatehouseError, String(error));
    assert.equal(error.code, code, error.detail);
    if (detail) assert.match(error.detail, detail);
    return;
  }
  assert.fail(`accepted; expected ${code}`);
}

export const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
export const OTHER_TENANT = '9188040d-6c67-4c5b-b112-36a304b66dad';
export const CLIENT = '6514a8ca-d9e4-4155-b292-65258398f3aa';
