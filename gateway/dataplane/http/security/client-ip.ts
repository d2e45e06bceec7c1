// The client address for authorization rules: the peer, or an X-Forwarded-For entry when the
// request came through proxies the policy trusts. With numTrustedHops N, each of the N proxies
// appended the address it received from, so the client is the Nth entry from the right (the
// nearest proxy is the peer itself); with trustedCIDRs, entries are skipped from the right while
// they belong to a trusted proxy. Too few entries means the request bypassed the proxies: the peer.
import { BlockList, isIPv4, isIPv6 } from 'node:net';
import type { AuthorizationIR } from '../../../ir/index.ts';
import type { Exchange } from '../exchange.ts';

/** "::ffff:10.0.0.1" → "10.0.0.1", so IPv4 rules match IPv4 clients on dual-stack sockets. */
export function normalizeIp(a: string): string {
  const s = a.trim();
  return s.startsWith('::ffff:') && isIPv4(s.slice(7)) ? s.slice(7) : s;
}

export function blockListOf(cidrs: string[]): BlockList {
  const b = new BlockList();
  for (const c of cidrs) {
    const [addr, bits] = c.split('/');
    const type = isIPv6(addr!) ? 'ipv6' : 'ipv4';
    b.addSubnet(addr!, Number(bits), type);
  }
  return b;
}

export function inList(b: BlockList, ip: string): boolean {
  if (isIPv4(ip)) return b.check(ip, 'ipv4');
  if (isIPv6(ip)) return b.check(ip, 'ipv6');
  return false;
}

function forwardedFor(ex: Exchange): string[] {
  const raw = ex.headers['x-forwarded-for'];
  const lines = Array.isArray(raw) ? raw : raw ? [raw] : [];
  return lines.flatMap((l) => l.split(',')).map(normalizeIp).filter(Boolean);
}

export function clientIpResolver(ir: AuthorizationIR['clientIp']): (ex: Exchange) => string {
  if (ir.numTrustedHops) {
    const n = ir.numTrustedHops;
    return (ex) => {
      const xff = forwardedFor(ex);
      return xff.length >= n ? xff[xff.length - n]! : normalizeIp(ex.clientAddress);
    };
  }
  if (ir.trustedCidrs?.length) {
    const trusted = blockListOf(ir.trustedCidrs);
    return (ex) => {
      let ip = normalizeIp(ex.clientAddress);
      const xff = forwardedFor(ex);
      for (let i = xff.length - 1; i >= 0 && inList(trusted, ip); i--) ip = xff[i]!;
      return ip;
    };
  }
  return (ex) => normalizeIp(ex.clientAddress);
}
