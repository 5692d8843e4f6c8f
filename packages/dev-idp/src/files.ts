import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { DevIdpError } from './errors.ts';

// Keys, cookie secrets and grants live here: readable by the owner only.
const FILE_MODE = 0o600;
const DIR_MODE = 0o700;

export async function ensureDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: DIR_MODE });
}

function isNotFound(error: unknown): boolean {
  return error instanceof Error && 'code' in error && error.code === 'ENOENT';
}

export async function readTextFile(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

export async function readJsonFile(path: string): Promise<unknown> {
  const text = await readTextFile(path);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new DevIdpError(
      'ERR_DEV_IDP_DATA',
      `dev-idp: ${path} is not valid JSON; delete it to start afresh`,
      {
        cause,
      },
    );
  }
}

function temporaryPath(path: string): string {
  return `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
}

/** Replaces the file in one step, so a reader never sees half of it. */
export async function writeSecretFile(path: string, content: string): Promise<void> {
  const tmp = temporaryPath(path);
  await writeFile(tmp, content, { mode: FILE_MODE });
  await rename(tmp, path);
}

/**
 * Creates the file only if it does not exist yet, in one step: when two processes start on a fresh
 * data directory at once, exactly one wins and both go on with the winner's content.
 * Returns false when the file already existed.
 */
export async function createSecretFile(path: string, content: string): Promise<boolean> {
  const tmp = temporaryPath(path);
  await writeFile(tmp, content, { mode: FILE_MODE });
  try {
    await link(tmp, path);
    return true;
  } catch (error) {
    if (error instanceof Error && 'code' in error && error.code === 'EEXIST') return false;
    throw error;
  } finally {
    await unlink(tmp);
  }
}
