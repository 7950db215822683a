/**
 * Which addresses a webhook may reach. A subscription's URL is typed by an admin, and the platform
 * POSTs to it from inside the government network: without a check an admin (or a stolen admin
 * session) could aim it at the database, a metadata service or an intranet system and learn from
 * the answers (a port scanner). So an address that is private, loopback, link-local, shared (CGNAT),
 * multicast, reserved or documentation-only is refused, unless the deployment's allow-list
 * (WEBHOOK_ALLOWED_HOSTS: host names, `*.suffix`, addresses, CIDRs) permits it — the way an intranet
 * deployment names its own receivers. The check is made on the address actually connected to (see
 * post-webhook.ts), so a name that resolves differently at send time cannot slip past it.
 */
import net from 'node:net';

/** IPv4 ranges that are not the public internet (IANA special-purpose registry). */
const SPECIAL_V4: ReadonlyArray<readonly [string, number]> = [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.88.99.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15],
  ['198.51.100.0', 24], ['203.0.113.0', 24], ['224.0.0.0', 4], ['240.0.0.0', 4],
];
/**
 * IPv6 ranges that are not the public internet; NAT64 and 6to4 carry a v4 address that may be
 * private. IPv4-mapped addresses (::ffff:a.b.c.d) are judged as the v4 address they carry (toV4):
 * net.BlockList matches them against v4 ranges and a v4 address against ::ffff:0:0/96, so that range
 * cannot be listed here without catching every v4 address.
 */
const SPECIAL_V6: ReadonlyArray<readonly [string, number]> = [
  ['::', 128], ['::1', 128], ['64:ff9b::', 96], ['64:ff9b:1::', 48], ['100::', 64], ['2001::', 23],
  ['2001:db8::', 32], ['2002::', 16], ['fc00::', 7], ['fe80::', 10], ['fec0::', 10], ['ff00::', 8],
];

const special = new net.BlockList();
for (const [a, p] of SPECIAL_V4) special.addSubnet(a, p, 'ipv4');
for (const [a, p] of SPECIAL_V6) special.addSubnet(a, p, 'ipv6');

/** Given an IP address, returns the v4 address an IPv4-mapped v6 address carries, else the address unchanged. */
function toV4(ip: string): string {
  const m = /^(?:0{0,4}:){0,5}:?ffff:(?:(\d+\.\d+\.\d+\.\d+)|([0-9a-f]{1,4}):([0-9a-f]{1,4}))$/i.exec(ip);
  if (!m || net.isIP(ip) !== 6) return ip;
  if (m[1]) return m[1];
  const hi = parseInt(m[2]!, 16);
  const lo = parseInt(m[3]!, 16);
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

/** Given an IP address, returns whether it is private, loopback, link-local or otherwise not a public internet address. */
export function isSpecialAddress(raw: string): boolean {
  const ip = toV4(raw);
  const family = net.isIP(ip);
  if (family === 0) return true;
  return special.check(ip, family === 4 ? 'ipv4' : 'ipv6');
}

export interface AddressPolicy {
  /** Given the URL's host (name or literal, without brackets) and an address it resolved to, returns whether a webhook may connect there. */
  permits(host: string, ip: string): boolean;
}

/** Given the allow-list entries (WEBHOOK_ALLOWED_HOSTS, already split and lower-cased), returns the policy. */
export function makeAddressPolicy(entries: readonly string[]): AddressPolicy {
  const names = new Set<string>();
  const suffixes: string[] = [];
  const nets = new net.BlockList();
  for (const e of entries) {
    const [addr, bits] = e.split('/');
    const family = net.isIP(addr!);
    if (family !== 0) {
      const type = family === 4 ? 'ipv4' : 'ipv6';
      const prefix = bits === undefined ? (family === 4 ? 32 : 128) : Number(bits);
      if (!Number.isInteger(prefix) || prefix < 0 || prefix > (family === 4 ? 32 : 128)) throw new Error(`WEBHOOK_ALLOWED_HOSTS: bad prefix in ${e}`);
      nets.addSubnet(addr!, prefix, type);
    } else if (e.startsWith('*.')) suffixes.push(e.slice(1));
    else names.add(e);
  }
  return {
    permits(host, raw) {
      const ip = toV4(raw);
      const family = net.isIP(ip);
      if (family === 0) return false;
      if (!isSpecialAddress(ip)) return true;
      const h = host.toLowerCase().replace(/\.$/, '');
      if (names.has(h) || suffixes.some((s) => h.endsWith(s))) return true;
      return nets.check(ip, family === 4 ? 'ipv4' : 'ipv6');
    },
  };
}

const cache = new WeakMap<readonly string[], AddressPolicy>();

/** Given the config's allow-list, returns its policy (built once per config). */
export function addressPolicyFor(entries: readonly string[]): AddressPolicy {
  let p = cache.get(entries);
  if (!p) cache.set(entries, (p = makeAddressPolicy(entries)));
  return p;
}
