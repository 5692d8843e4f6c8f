/**
 * Which peers may tell Gatehouse the client certificate in a header (RFC 8705 §3 behind a
 * TLS-terminating proxy): anyone else could write that header themselves and present a stolen
 * certificate-bound token as its rightful holder.
 */
import { BlockList, isIP } from 'node:net';
import { ConfigurationError } from '../errors.ts';

/** `'*'`: every peer, for when the peer's address is unknown (Web `Request`s) or only the proxy can connect. */
export const ANY_PEER = '*';

/** Loopback only: a proxy on the same machine, the one setup that needs no configuration. */
export const DEFAULT_TRUSTED_PROXIES: readonly string[] = ['127.0.0.0/8', '::1/128'];

export type PeerCheck = (address: string | undefined) => boolean;

/** Node reports IPv4 peers of a dual-stack socket as `::ffff:a.b.c.d`. */
function unmapped(address: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  return mapped ? mapped[1]! : address;
}

/** A check for IP addresses and CIDR ranges (`10.0.0.0/8`, `fd00::/8`), or `'*'`. */
export function trustedPeers(entries: readonly string[], option: string): PeerCheck {
  if (!Array.isArray(entries) || entries.length === 0)
    throw new ConfigurationError(option, 'must be a non-empty array of IP addresses, CIDR ranges or "*"');
  if (entries.includes(ANY_PEER)) return () => true;
  const list = new BlockList();
  for (const entry of entries) {
    const [address = '', prefix, extra] = typeof entry === 'string' ? entry.split('/') : [];
    const family = isIP(address);
    const bits = family === 4 ? 32 : 128;
    const length = prefix === undefined ? bits : /^\d{1,3}$/.test(prefix) ? Number(prefix) : -1;
    if (family === 0 || extra !== undefined || length < 0 || length > bits)
      throw new ConfigurationError(option, `has ${JSON.stringify(entry)}, not an IP address or CIDR range`);
    list.addSubnet(address, length, family === 4 ? 'ipv4' : 'ipv6');
  }
  return (address) => {
    if (address === undefined) return false;
    const bare = unmapped(address);
    const family = isIP(bare);
    return family !== 0 && list.check(bare, family === 4 ? 'ipv4' : 'ipv6');
  };
}

/** The address of the peer that sent the request, where Node's socket tells it. */
export function peerAddress(socket: object | undefined): string | undefined {
  const address = (socket as { remoteAddress?: unknown } | undefined)?.remoteAddress;
  return typeof address === 'string' ? address : undefined;
}
