// Assembles the RoutingTable from programmed listeners: grouped by port and transport, most
// specific hostname first, so the data plane's first hostname match is the owning listener.
import type { GatewayIR, ListenerIR, PortIR, RoutingTable, TlsPassthroughHostIR, L4RouteIR } from '../ir/index.ts';
import { compareHostSpecificity } from './hostnames.ts';
import type { HostBuckets, HostCache } from './http-hosts.ts';
import { sameData } from './same-data.ts';
import type { GatewayState, ListenerState } from './state.ts';
import { isListenerProgrammed } from './state.ts';

/** Route material collected per listener during attachment. */
export interface ListenerRoutes {
  http?: HostBuckets;
  passthrough?: Map<string, L4RouteIR[]>;
  l4?: L4RouteIR[];
}

/**
 * The previous table's parts, for an incremental translator: a listener, port or Gateway whose
 * content did not change is the previous object itself, so the data plane (and the workers'
 * transport) can tell what changed by identity and rebuild or send only that.
 */
export interface TableMemo {
  hosts: Map<string, HostCache>;
  listeners: Map<string, ListenerIR>;
  ports: Map<string, PortIR>;
  gateways: Map<string, GatewayIR>;
}

export function createTableMemo(): TableMemo {
  return { hosts: new Map(), listeners: new Map(), ports: new Map(), gateways: new Map() };
}

/** `next`, or `prev` when it has the same content (compared shallowly first: parts are shared). */
function keep<T extends object>(prev: T | undefined, next: T): T {
  return prev !== undefined && sameData(prev, next) ? prev : next;
}

export function buildTable(gateways: GatewayState[], routes: Map<ListenerState, ListenerRoutes>, memo?: TableMemo): RoutingTable {
  const seen: TableMemo | undefined = memo && createTableMemo();
  const out: GatewayIR[] = [];
  for (const gw of gateways) {
    if (!gw.accepted.status) continue;
    const listeners = [
      ...gw.listeners,
      ...gw.listenerSets.filter((s) => s.accepted.status).flatMap((s) => s.listeners),
    ].filter(isListenerProgrammed);
    const ports = new Map<string, PortIR>();
    for (const l of listeners) {
      const transport = l.spec.protocol === 'UDP' ? 'udp' : 'tcp';
      const key = `${transport}/${l.spec.port}`;
      const port = ports.get(key) ?? { port: l.spec.port, transport, listeners: [] };
      ports.set(key, port);
      const id = `${gw.key}\n${l.ir.id}`;
      let hosts: HostCache | undefined;
      if (memo && seen) {
        hosts = memo.hosts.get(id) ?? { buckets: new Map(), hosts: new Map() };
        seen.hosts.set(id, hosts);
      }
      const ir = withClientCertificate(listenerIR(l, routes.get(l), hosts), gw);
      const kept = memo ? keep(memo.listeners.get(id), ir) : ir;
      seen?.listeners.set(id, kept);
      port.listeners.push(kept);
    }
    const sortedPorts = [...ports.values()].sort((a, b) => a.port - b.port || (a.transport < b.transport ? -1 : 1));
    for (const p of sortedPorts) p.listeners.sort((a, b) => compareHostSpecificity(a.hostname, b.hostname));
    const keptPorts = memo ? sortedPorts.map((p) => {
      const id = `${gw.key}\n${p.transport}/${p.port}`;
      const kept = keep(memo.ports.get(id), p);
      seen!.ports.set(id, kept);
      return kept;
    }) : sortedPorts;
    const g: GatewayIR = { key: gw.key, namespace: gw.namespace, name: gw.name, addresses: [...gw.addresses], ...(gw.infrastructure ? { infrastructure: gw.infrastructure } : {}), ports: keptPorts };
    const keptGateway = memo ? keep(memo.gateways.get(gw.key), g) : g;
    seen?.gateways.set(gw.key, keptGateway);
    out.push(keptGateway);
  }
  if (memo && seen) Object.assign(memo, seen);
  return { gateways: out };
}

function listenerIR(l: ListenerState, r: ListenerRoutes | undefined, hosts: HostCache | undefined): ListenerIR {
  const ir: ListenerIR = { ...l.ir };
  switch (l.spec.protocol) {
    case 'HTTP':
    case 'HTTPS':
      ir.http = r?.http ? r.http.build(hosts) : [];
      break;
    case 'TLS':
      if (l.ir.tls?.mode === 'Passthrough') ir.passthrough = passthroughIR(r?.passthrough);
      else ir.l4 = r?.l4 ?? [];
      break;
    default:
      ir.l4 = r?.l4 ?? [];
  }
  return ir;
}

/**
 * The Gateway's backend client certificate goes on every TLS backend its listeners route to.
 * Rules are shared by every listener a route attaches to (possibly of other Gateways), so the
 * rules are copied, not changed.
 */
function withClientCertificate(ir: ListenerIR, gw: GatewayState): ListenerIR {
  const c = gw.backendClientCertificate;
  if (!c || !ir.http) return ir;
  const clientCertificate = { secret: c.secret, certPem: c.certPem, keyPem: c.keyPem };
  ir.http = ir.http.map((h) => ({
    ...h,
    rules: h.rules.map((r) => r.backends.some((b) => b.tls)
      ? { ...r, backends: r.backends.map((b) => (b.tls ? { ...b, tls: { ...b.tls, clientCertificate } } : b)) }
      : r),
  }));
  return ir;
}

function passthroughIR(m: Map<string, L4RouteIR[]> | undefined): TlsPassthroughHostIR[] {
  if (!m) return [];
  return [...m.keys()].sort(compareHostSpecificity).map((hostname) => ({ hostname, routes: m.get(hostname)! }));
}
