import { type LookupAddress, type LookupOptions, lookup } from 'node:dns';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * Whether an IP address is on the public internet. Everything ipaddr.js does not call plain
 * `unicast` is refused: loopback, RFC 1918 private, link-local (cloud metadata at 169.254.169.254),
 * unique-local, carrier-grade NAT, unspecified (0.0.0.0 reaches this host), multicast, reserved and
 * documentation ranges, and IPv6 forms that embed an IPv4 address (6to4, Teredo, NAT64). An
 * IPv4-mapped IPv6 address is judged as the IPv4 address it is.
 */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  return ipaddr.process(address).range() === 'unicast';
}

/** Which addresses a connection may reach. */
export type AddressPolicy = (address: string) => boolean;

/** Public addresses, and the ones listed (an internal IdP's, say), however they are written. */
export function publicAddressesAnd(listed: readonly string[] = []): AddressPolicy {
  const extra = new Set(listed.filter((a) => ipaddr.isValid(a)).map((a) => ipaddr.process(a).toString()));
  return (address) =>
    isPublicAddress(address) || (ipaddr.isValid(address) && extra.has(ipaddr.process(address).toString()));
}

/** The host of a URL is an IP address (`10.0.0.5`, `[::1]`) the policy refuses: no lookup happens for those. */
export function isRefusedLiteral(hostname: string, allowed: AddressPolicy): boolean {
  const bare = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
  return isIP(bare) !== 0 && !allowed(bare);
}

/** A host name resolved to an address that is not public; the connection is not made. */
export class NonPublicAddressError extends Error {
  readonly code = 'ENONPUBLIC';
  constructor(readonly hostname: string) {
    super(`${hostname} resolves to an address that is not public`);
  }
}

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/**
 * A `lookup` for net.connect and tls.connect that resolves as usual and refuses when any address is
 * one the policy refuses. It runs for the connection itself, so the address checked is the one
 * connected to: a name that resolves to a public address when asked first and to 127.0.0.1 a moment
 * later (DNS rebinding) is still refused. A name with public and private addresses is refused whole.
 */
export function lookupAllowing(allowed: AddressPolicy) {
  return (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    lookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, []);
      if (addresses.length === 0 || addresses.some((a) => !allowed(a.address)))
        return callback(new NonPublicAddressError(hostname), []);
      if (options.all) return callback(null, addresses);
      const [first] = addresses;
      callback(null, first!.address, first!.family);
    });
  };
}
