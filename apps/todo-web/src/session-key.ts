/**
 * Where the session secrets come from: `WEB_SESSION_SECRET`, else a key generated on first start
 * under `${DATA_DIR}/todo-web/session.key` (mode 0600, directory 0700) and reused afterwards, so
 * sessions survive a restart. Problems are `ConfigError`s naming the variable to fix.
 */
import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ConfigError } from 'gatehouse-todo-api/config-error';
import { type Config, MIN_SECRET_LENGTH } from './config.ts';

export const SESSION_KEY_FILE = join('todo-web', 'session.key');

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function readKeyFile(path: string): Promise<string> {
  const info = await stat(path);
  if ((info.mode & 0o077) !== 0) {
    throw new ConfigError('DATA_DIR', `holds ${path} readable by others; run: chmod 600 ${path}`);
  }
  const secret = (await readFile(path, 'utf8')).trim();
  if (secret.length < MIN_SECRET_LENGTH) {
    throw new ConfigError('DATA_DIR', `holds ${path} with a key too short; delete it to generate a new one`);
  }
  return secret;
}

/**
 * Reads the key file, creating it when absent. The key is written to a temporary file first and
 * then hard-linked into place, which fails if the file exists: two processes starting at once
 * agree on one key, and neither ever reads a half-written file.
 */
export async function loadOrCreateKeyFile(dataDir: string): Promise<string> {
  const path = resolve(dataDir, SESSION_KEY_FILE);
  const draft = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await mkdir(resolve(dataDir, 'todo-web'), { recursive: true, mode: 0o700 });
    await writeFile(draft, `${randomBytes(32).toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
    await link(draft, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw new ConfigError('DATA_DIR', `cannot hold the session key ${path}: ${reason(error)}`);
    }
  } finally {
    await rm(draft, { force: true });
  }
  try {
    return await readKeyFile(path);
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError('DATA_DIR', `cannot read the session key ${path}: ${reason(error)}`);
  }
}

/** The secrets to seal and open cookies with: the first seals, all open. */
export async function loadSessionSecrets(
  config: Pick<Config, 'sessionSecrets' | 'dataDir'>,
): Promise<string[]> {
  if (config.sessionSecrets.length > 0) return config.sessionSecrets;
  return [await loadOrCreateKeyFile(config.dataDir)];
}
