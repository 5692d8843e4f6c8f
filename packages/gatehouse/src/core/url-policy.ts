import { ConfigurationError } from './errors.ts';

/** `localhost`, 127.0.0.0/8 and `[::1]`: the only hosts allowed over plain http. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (host === '[::1]' || host === '::1') return true;
  return /^127(?:\.(?:25[0-5]|2[0-4]\d|1?\d?\d)){3}$/.test(host);
}

/** Parses a configured issuer, metadata or JWKS URL, refusing plain http off loopback. */
export function secureUrl(value: string, path: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigurationError(path, `is not a valid URL`);
  }
  if (url.username || url.password) throw new ConfigurationError(path, 'must not carry credentials');
  if (url.protocol === 'https:') return url;
  if (url.protocol === 'http:' && isLoopbackHost(url.hostname)) return url;
  throw new ConfigurationError(
    path,
    `must be an https URL (plain http only for loopback hosts), got ${url.protocol}//${url.host}`,
  );
}

/** Same rule for URLs learnt at run time (jwks_uri in a metadata document): an Error, not a config error. */
export function isAcceptableRemoteUrl(value: string): boolean {
  try {
    const url = new URL(value);
    if (url.username || url.password) return false;
    return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname));
  } catch {
    return false;
  }
}
