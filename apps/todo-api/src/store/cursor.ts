/**
 * Opaque page cursors: base64url of `createdAt` and `id`. Decoding checks every part, so a
 * client can hand back only what it was given (or something equally well-formed).
 */

import { isId } from './ids.ts';
import type { Cursor } from './types.ts';

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(`${cursor.createdAt}|${cursor.id}`, 'utf8').toString('base64url');
}

/** The cursor, or null when the value is not one this API issued. */
export function decodeCursor(value: string): Cursor | null {
  if (value.length === 0 || value.length > 128 || !/^[A-Za-z0-9_-]+$/.test(value)) return null;
  const text = Buffer.from(value, 'base64url').toString('utf8');
  const [createdAt, id, ...rest] = text.split('|');
  if (rest.length > 0 || createdAt === undefined || id === undefined) return null;
  if (!ISO_UTC.test(createdAt) || Number.isNaN(Date.parse(createdAt)) || !isId(id)) return null;
  if (encodeCursor({ createdAt, id }) !== value) return null;
  return { createdAt, id };
}
