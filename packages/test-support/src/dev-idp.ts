/** The real dev IdP, started the way in-process tests want it: a free port, no log lines, no leftovers. */
import { type DevIdp, type DevIdpOptions, startDevIdp } from 'gatehouse-dev-idp';
import { tempDir } from './temp.ts';

/** A logger that drops everything: the dev IdP's lines would bury the test report. */
export const silent = { info() {}, warn() {}, error() {} };

/**
 * Starts the dev IdP on a free port with its data in a new temporary directory (unless `dataDir`
 * is given); `close()` stops it and removes that directory.
 */
export async function startQuietDevIdp(options: DevIdpOptions = {}): Promise<DevIdp> {
  const dir = options.dataDir === undefined ? tempDir('gatehouse-dev-idp-') : undefined;
  try {
    const idp = await startDevIdp({
      port: 0,
      logger: silent,
      ...options,
      dataDir: options.dataDir ?? dir?.path,
    });
    return {
      ...idp,
      close: async () => {
        await idp.close();
        dir?.remove();
      },
    };
  } catch (error) {
    dir?.remove();
    throw error;
  }
}
