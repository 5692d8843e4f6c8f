import { ConfigurationError } from '../../core/errors.ts';

/** The prefix every refusal of the express-jwt drop-in names, so a stack trace is not needed. */
export const PREFIX = 'gatehouse-auth/express-jwt';

/**
 * Refuses an option when the middleware is created: an option that silently stopped working (a
 * revocation check above all) would be a security hole.
 */
export function refuse(option: string, why: string): never {
  throw new ConfigurationError(`${PREFIX}: ${option}`, why);
}

export function checkKeys(given: object, known: readonly string[], where: string): void {
  for (const key of Object.keys(given)) {
    if (!known.includes(key)) refuse(`${where} ${key}`, 'is not supported (refused rather than ignored)');
  }
}
