// Sample requests and where each side sends them. Each HTTP rule match yields one request that
// it matches (its host, path, method, exact headers and query); TLS passthrough and TCP/UDP
// listeners yield one connection each. A request is resolved on a routing table with the data
// plane's own lookups (HostTable for listener and host bucket, HostIndexMatcher for the rule),
// following the listener selection of dataplane/listeners/compile.ts, so "where it goes" here is
// where `portico serve` sends it.
import type { BackendIR, GatewayIR, HttpHostIR, HttpMatchIR, HttpRuleIR, L4RouteIR, ListenerIR, PortIR, RoutingTable } from '../ir/index.ts';
import { HostIndexMatcher, HostTable, normalizePrefix, type MatchRequest } from '../dataplane/match/index.ts';
import { describeDestination, describeL4Destination } from './describe.ts';

export interface SampleRequest {
  gateway: string;
  port: number;
  /** http/https for HTTP listeners; tls/tcp/udp for connections. */
  scheme: 'http' | 'https' | 'tls' | 'tcp' | 'udp';
  method: string;
  host: string;
  path: string;
  /** "?a=b" or "". */
  query: string;
  headers: Record<string, string>;
}

/** The label a wildcard is filled with: a name no exact hostname is likely to use. */
const WILDCARD_LABEL = 'any';

/** A concrete host a hostname pattern matches: "*.shop.example.com" → "any.shop.example.com". */
export function sampleHost(pattern: string | undefined, listenerHostname: string | undefined): string {
  const p = pattern === undefined || pattern === '*' ? listenerHostname : pattern;
  if (p === undefined || p === '*') return `${WILDCARD_LABEL}.example`;
  return p.startsWith('*.') ? `${WILDCARD_LABEL}${p.slice(1)}` : p;
}

/** A request the match holds for, or undefined when it needs a regular expression to be satisfied. */
function httpSample(gw: GatewayIR, port: PortIR, l: ListenerIR, bucket: HttpHostIR, m: HttpMatchIR): SampleRequest | undefined {
  if (m.path.type === 'RegularExpression') return undefined;
  if (m.headers.some((h) => h.type !== 'Exact') || m.queryParams.some((q) => q.type !== 'Exact')) return undefined;
  const path = m.path.type === 'Exact' ? m.path.value : normalizePrefix(m.path.value);
  const headers: Record<string, string> = {};
  for (const h of m.headers) headers[h.name.toLowerCase()] = h.value;
  const query = m.queryParams.map((q) => `${encodeURIComponent(q.name)}=${encodeURIComponent(q.value)}`).join('&');
  return {
    gateway: gw.key, port: port.port, scheme: l.protocol === 'HTTPS' ? 'https' : 'http', method: m.method ?? 'GET',
    host: sampleHost(bucket.hostname, l.hostname), path, query: query ? `?${query}` : '', headers,
  };
}

/** One sample per rule match of every HTTP listener, one per TLS SNI bucket and TCP/UDP listener; and how many rules could not be sampled. */
export function sampleRequests(table: RoutingTable): { samples: SampleRequest[]; unsampled: string[] } {
  const samples: SampleRequest[] = [];
  const unsampled: string[] = [];
  for (const gw of table.gateways) {
    for (const port of gw.ports) {
      for (const l of port.listeners) {
        for (const bucket of l.http ?? []) {
          for (const r of bucket.rules) {
            const s = httpSample(gw, port, l, bucket, r.match);
            if (s) samples.push(s);
            else unsampled.push(r.id);
          }
        }
        for (const p of l.passthrough ?? []) {
          samples.push({ gateway: gw.key, port: port.port, scheme: 'tls', method: '', host: sampleHost(p.hostname, l.hostname), path: '', query: '', headers: {} });
        }
        if (l.l4 && l.protocol !== 'TLS') {
          samples.push({ gateway: gw.key, port: port.port, scheme: l.protocol === 'UDP' ? 'udp' : 'tcp', method: '', host: '', path: '', query: '', headers: {} });
        }
      }
    }
  }
  return { samples, unsampled };
}

/** "GET https://www.shop.example.com/cart [x-canary: true]", "TLS any.data.example.com:8443", "TCP :6379". */
export function sampleLabel(s: SampleRequest, multipleGateways: boolean): string {
  const gw = multipleGateways ? `[${s.gateway}] ` : '';
  if (s.scheme === 'tls') return `${gw}TLS ${s.host}:${s.port}`;
  if (s.scheme === 'tcp' || s.scheme === 'udp') return `${gw}${s.scheme.toUpperCase()} :${s.port}`;
  const defaultPort = s.scheme === 'https' ? 443 : 80;
  const port = s.port === defaultPort ? '' : `:${s.port}`;
  const headers = Object.entries(s.headers).map(([k, v]) => `${k}: ${v}`).join(', ');
  return `${gw}${s.method} ${s.scheme}://${s.host}${port}${s.path}${s.query}${headers ? ` [${headers}]` : ''}`;
}

/** The listeners of a port that serve `wanted`, as compile.ts chooses them (HTTPS wins a shared port). */
function httpListeners(port: PortIR): ListenerIR[] {
  const wanted = port.listeners.some((l) => l.protocol === 'HTTPS') ? 'HTTPS' : 'HTTP';
  return port.listeners.filter((l) => l.protocol === wanted);
}

/** What the client sees: a backend among these ("ns/name"), a status from the gateway, or no connection. */
export type Answer =
  | { kind: 'backend'; backends: string[] }
  | { kind: 'status'; status: number }
  | { kind: 'refused' };

export interface Resolution {
  /** Where it goes: backends with their shares, a redirect, a direct answer, or why nothing answers. */
  destination: string;
  answer: Answer;
  /** The route rule that took it (IR rule id or L4 route). */
  via?: string;
}

/** Where `table` sends the sample. */
export function resolveSample(table: RoutingTable, s: SampleRequest): Resolution {
  const r = resolve(table, s);
  if (typeof r !== 'string') return r;
  const status = /^(\d{3}) /.exec(r);
  return { destination: r, answer: status ? { kind: 'status', status: Number(status[1]) } : { kind: 'refused' } };
}

const live = (backends: readonly BackendIR[]) => backends.filter((b) => b.weight > 0);

function l4Resolution(route: L4RouteIR | undefined): Resolution {
  const backends = live(route?.backends ?? []).filter((b) => !b.invalid);
  return { destination: describeL4Destination(route), via: route?.route, answer: backends.length > 0 ? { kind: 'backend', backends: backends.map((b) => `${b.namespace}/${b.name}`) } : { kind: 'refused' } };
}

function httpResolution(rule: HttpRuleIR): Resolution {
  const destination = describeDestination(rule);
  const redirect = rule.filters.find((f) => f.type === 'RequestRedirect');
  const backends = live(rule.backends);
  let answer: Answer;
  if (rule.direct) answer = { kind: 'status', status: rule.direct.status };
  else if (redirect?.type === 'RequestRedirect') answer = { kind: 'status', status: redirect.redirect.statusCode };
  else if (backends.length === 0) answer = { kind: 'status', status: 500 };
  else if (backends.every((b) => b.invalid)) answer = { kind: 'status', status: backends[0]!.invalid!.status };
  else answer = { kind: 'backend', backends: backends.filter((b) => !b.invalid).map((b) => `${b.namespace}/${b.name}`) };
  return { destination, answer, via: rule.id };
}

function resolve(table: RoutingTable, s: SampleRequest): string | Resolution {
  const gw = table.gateways.find((g) => g.key === s.gateway);
  if (!gw) return 'no gateway (connection refused)';
  const transport = s.scheme === 'udp' ? 'udp' : 'tcp';
  const port = gw.ports.find((p) => p.port === s.port && p.transport === transport);
  if (!port) return `no listener on port ${s.port} (connection refused)`;
  if (s.scheme === 'tcp' || s.scheme === 'udp') {
    const l = port.listeners.find((x) => x.l4 && x.protocol === s.scheme.toUpperCase());
    return l ? l4Resolution(l.l4![0]) : `no ${s.scheme.toUpperCase()} listener on port ${s.port} (connection refused)`;
  }
  if (s.scheme === 'tls') {
    const passthrough = port.listeners.filter((l) => l.passthrough);
    const l = new HostTable(passthrough.map((x) => [x.hostname, x] as [string | undefined, ListenerIR])).lookup(s.host);
    const bucket = l && new HostTable((l.passthrough ?? []).map((b) => [b.hostname, b] as [string, typeof b])).lookup(s.host);
    return bucket ? l4Resolution(bucket.routes[0]) : 'no route (connection closed)';
  }
  const listeners = httpListeners(port);
  if (listeners.length === 0 || (s.scheme === 'https') !== (listeners[0]!.protocol === 'HTTPS')) return `no ${s.scheme.toUpperCase()} listener on port ${s.port} (connection refused)`;
  const listener = new HostTable(listeners.map((l) => [l.hostname, l] as [string | undefined, ListenerIR])).lookup(s.host);
  if (!listener) return '404 (no listener for this host)';
  const bucket = new HostTable((listener.http ?? []).map((h) => [h.hostname, h] as [string, HttpHostIR])).lookup(s.host);
  if (!bucket) return '404 (no route)';
  const req: MatchRequest = { method: s.method, path: s.path, headers: s.headers, query: s.query };
  const i = new HostIndexMatcher(bucket.rules).match(req);
  if (i < 0) return '404 (no route)';
  return httpResolution(bucket.rules[i]!);
}
