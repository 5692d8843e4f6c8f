import { isIPv4 } from 'node:net';
import { ConfigurationError } from '../errors.ts';

/**
 * The hosts plain http may go to: ones that name this machine whatever DNS says. That is literal
 * 127.0.0.0/8, `[::1]`, and the exact name `localhost`, which resolvers answer from the hosts file.
 * `*.localhost` is refused: only some resolvers keep it local (RFC 6761 §6.3 is advice), the rest
 * ask DNS. So is the IPv4-mapped `[::ffff:127.x.x.x]`: no real configuration needs it, and where
 * it ends up depends on the stack. `hostname` is a WHATWG URL's, so IPv4 is canonical dotted
 * decimal (`127.1` and `0x7f000001` arrive as `127.0.0.1`) and IPv6 is bracketed and compressed.
 */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase();
  if (host === 'localhost' || host === '[::1]') return true;
  return isIPv4(host) && host.startsWith('127.');
}

/** Why a URL may not be fetched from, or undefined if it may: the one rule for every URL we fetch. */
function refusal(url: URL): string | undefined {
  if (url.username || url.password) return 'must not carry credentials';
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:' && isLoopbackHost(url.hostname)) return undefined;
  return `must be an https URL (plain http only for localhost, 127.0.0.0/8 and [::1]), got ${url.protocol}//${url.host}`;
}

/** Parses a configured issuer, metadata or JWKS URL, refusing plain http off loopback. */
export function secureUrl(value: string, path: string): URL {
  const url = URL.parse(value);
  if (!url) throw new ConfigurationError(path, `is not a valid URL`);
  const why = refusal(url);
  if (why) throw new ConfigurationError(path, why);
  return url;
}

/** Same rule for URLs learnt at run time (jwks_uri in a metadata document, a snapshot): a boolean, not a config error. */
export function isAcceptableRemoteUrl(value: string): boolean {
  const url = URL.parse(value);
  return url !== null && refusal(url) === undefined;
}
