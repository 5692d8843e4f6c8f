import { ConfigurationError } from '../errors.ts';
import type { IssuerValidator } from '../issuer-validator.ts';
import type { Logger } from '../logger.ts';
import type { KeySetSnapshot } from './issuer-keys.ts';
import { isAcceptableRemoteUrl } from './url-policy.ts';

/** Puts snapshots taken by `exportSnapshot()` back into the issuers they came from. */
export function restoreSnapshots(
  validators: readonly IssuerValidator[],
  snapshot: KeySetSnapshot | readonly KeySetSnapshot[],
  logger: Logger,
): void {
  const snapshots: readonly KeySetSnapshot[] = Array.isArray(snapshot)
    ? snapshot
    : [snapshot as KeySetSnapshot];
  for (const [i, s] of snapshots.entries()) {
    const at = `snapshot[${i}]`;
    if (
      s?.version !== 1 ||
      typeof s.issuer !== 'string' ||
      typeof s.jwksUri !== 'string' ||
      typeof s.source !== 'string'
    ) {
      throw new ConfigurationError(at, 'is not a version 1 key set snapshot');
    }
    const validator = validators.find((v) => v.sourceUrl === s.source);
    if (!validator)
      throw new ConfigurationError(at, `comes from ${s.source}, which no configured issuer uses`);
    const configured = validator.config.source.issuer;
    if (configured !== undefined && configured !== s.issuer) {
      throw new ConfigurationError(at, `is for issuer ${s.issuer}, not ${configured}`);
    }
    // The JWKS URL is fetched from on the next refresh, so it meets the rule configured URLs meet.
    if (!isAcceptableRemoteUrl(s.jwksUri)) {
      throw new ConfigurationError(`${at}.jwksUri`, 'must be an https URL (plain http only on loopback)');
    }
    validator.keys.restore(s, logger);
  }
}
