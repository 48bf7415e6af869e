// The key every per-address limit counts under (events, leads, conversions, wrong tokens). An IPv6
// client is given a whole /64 by its provider (a home, a phone, a cloud VM), and picks a fresh
// address in it at will: keyed per address, one client would get 2^64 fresh limits. So an IPv6
// address counts as its /64, and an IPv4-mapped one (::ffff:203.0.113.7, as a dual-stack socket
// reports an IPv4 client) as the IPv4 address itself, the same key as over an IPv4 socket.
import { isIPv4, isIPv6 } from 'node:net';

/** The rate-limit key of a client address as Express resolves it (`req.ip`). */
export function addressKey(address: string | undefined): string {
  if (address === undefined || address === '') return 'unknown';
  // A link-local address may carry its interface (fe80::1%eth0): the zone is not part of it.
  const bare = address.split('%')[0] ?? address;
  if (isIPv4(bare)) return bare;
  // Whatever a trusted proxy sent that is not an address stays its own key.
  if (!isIPv6(bare)) return address;
  const groups = ipv6Groups(bare);
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    const [hi = 0, lo = 0] = groups.slice(6);
    return `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`;
  }
  return `${groups.slice(0, 4).map((g) => g.toString(16)).join(':')}::/64`;
}

/** The eight 16-bit groups of an address `isIPv6` accepted (any case, `::`, a dotted IPv4 tail). */
function ipv6Groups(address: string): number[] {
  const parse = (side: string): number[] => {
    if (side === '') return [];
    return side.split(':').flatMap((part) => {
      if (!part.includes('.')) return [parseInt(part, 16)];
      const [a = 0, b = 0, c = 0, d = 0] = part.split('.').map(Number);
      return [(a << 8) | b, (c << 8) | d];
    });
  };
  const [head = '', tail] = address.split('::');
  const left = parse(head);
  if (tail === undefined) return left;
  const right = parse(tail);
  return [...left, ...Array<number>(8 - left.length - right.length).fill(0), ...right];
}
