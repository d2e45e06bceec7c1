// Gives every Gateway in the table the addresses it will be served on, the way a load
// balancer controller would in a cluster: the IPAddress values of spec.addresses when set,
// else the next free address of the pool (stable per Gateway for the life of the process),
// else the one --bind address shared by all. Requested addresses this host cannot bind are
// left out of the table and reported, so the Gateway's status can say AddressNotUsable.
import type { RoutingTable } from '../ir/index.ts';
import type { Problem } from '../translator/api.ts';

export interface GatewayAddressPlan {
  /** Addresses the Gateway is served on. */
  assigned: string[];
  unusable: { address: string; message: string }[];
  /** Set when no address could be assigned at all (pool exhausted). */
  notAssigned?: string;
}

export interface AddressPlan {
  table: RoutingTable;
  gateways: Map<string, GatewayAddressPlan>;
  problems: Problem[];
}

export interface AddressAssigner {
  assign(table: RoutingTable): Promise<AddressPlan>;
}

export interface AddressAssignerOptions {
  /** IPv4 CIDR, e.g. "127.0.1.0/24". */
  pool?: string;
  /** Used for every Gateway when there is no pool. */
  bind: string;
  /**
   * Bind every Gateway on `bind` even when it sets spec.addresses: behind a Service
   * (--publish-service) those addresses belong to the load balancer, not to this host.
   * @default false
   */
  ignoreRequested?: boolean;
  /** undefined when the address can be bound, else why not. */
  probe: (address: string) => Promise<string | undefined>;
}

function ipv4ToInt(ip: string): number | undefined {
  const parts = ip.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return undefined;
    n = n * 256 + Number(p);
  }
  return n;
}

function intToIpv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** The host addresses of an IPv4 CIDR, first to last (network/broadcast skipped when > /31). */
export function* cidrHosts(cidr: string): Generator<string> {
  const [ip, bitsText] = cidr.split('/');
  const base = ipv4ToInt(ip);
  const bits = Number(bitsText ?? '32');
  if (base === undefined || !Number.isInteger(bits) || bits < 0 || bits > 32) throw new Error(`invalid --address-pool ${cidr}: want an IPv4 CIDR like 127.0.1.0/24`);
  const size = 2 ** (32 - bits);
  const network = Math.floor(base / size) * size;
  const skip = size > 2 ? 1 : 0;
  for (let i = skip; i < size - skip; i++) yield intToIpv4(network + i);
}

export function createAddressAssigner(o: AddressAssignerOptions): AddressAssigner {
  if (o.pool) cidrHosts(o.pool).next(); // fail fast on a bad CIDR
  const leased = new Map<string, string>();
  const probed = new Map<string, string | undefined>();

  async function usable(address: string): Promise<string | undefined> {
    if (!probed.has(address)) probed.set(address, await o.probe(address));
    return probed.get(address);
  }

  async function lease(key: string, taken: Set<string>): Promise<string | undefined> {
    const held = leased.get(key);
    if (held) return held;
    for (const a of cidrHosts(o.pool!)) {
      if (taken.has(a) || [...leased.values()].includes(a)) continue;
      if (await usable(a)) continue;
      leased.set(key, a);
      return a;
    }
    return undefined;
  }

  return {
    async assign(table) {
      // Probe results are cached for one assignment only: an address may become bindable later.
      probed.clear();
      const gateways = new Map<string, GatewayAddressPlan>();
      const problems: Problem[] = [];
      const requested = new Set(o.ignoreRequested ? [] : table.gateways.flatMap((g) => g.addresses));
      const out: RoutingTable = { ...table, gateways: [] };
      // Sorted so first-time pool leases do not depend on the order the translator emits.
      for (const gw of [...table.gateways].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))) {
        const plan: GatewayAddressPlan = { assigned: [], unusable: [] };
        const ref = { group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: gw.namespace, name: gw.name };
        if (gw.addresses.length > 0 && !o.ignoreRequested) {
          for (const a of gw.addresses) {
            const why = await usable(a);
            if (why) plan.unusable.push({ address: a, message: why });
            else plan.assigned.push(a);
          }
          for (const u of plan.unusable) {
            problems.push({ severity: 'error', ref, field: 'spec.addresses', reason: 'AddressNotUsable',
              message: `address ${u.address} cannot be bound on this host: ${u.message}`,
              fix: 'use an address of this host or of --address-pool' });
          }
        } else if (o.pool) {
          const a = await lease(gw.key, requested);
          if (a) plan.assigned.push(a);
          else {
            plan.notAssigned = `address pool ${o.pool} has no free address`;
            problems.push({ severity: 'error', ref, field: 'spec.addresses', reason: 'AddressNotAssigned',
              message: plan.notAssigned, fix: 'widen --address-pool' });
          }
        } else {
          plan.assigned.push(o.bind);
        }
        gateways.set(gw.key, plan);
        if (plan.assigned.length > 0) out.gateways.push({ ...gw, addresses: plan.assigned });
      }
      // Keep the translator's order for the data plane.
      const order = new Map(table.gateways.map((g, i) => [g.key, i]));
      out.gateways.sort((a, b) => order.get(a.key)! - order.get(b.key)!);
      return { table: out, gateways, problems };
    },
  };
}
