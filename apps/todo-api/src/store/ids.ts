import { randomBytes } from 'node:crypto';

/** 128 random bits, base64url: 22 characters that cannot be guessed. */
export function newId(): string {
  return randomBytes(16).toString('base64url');
}

export const ID_PATTERN = '^[A-Za-z0-9_-]{22}$';
const ID_RE = new RegExp(ID_PATTERN);

export function isId(value: string): boolean {
  return ID_RE.test(value);
}
