// `portico explain`: what the data plane does with one HTTP request, and why, over a routing
// table (IR). Every decision is taken by the data plane's own code, not a second matcher: the
// port's listener table and host buckets (listeners/http-port.ts), listener isolation
// (http/listener-select.ts), the rule matcher (match/HostIndexMatcher), filter order
// (http/chain.ts) and the redirect Location (filters/request-redirect.ts). What this module adds
// is the record of the alternatives and the reason each one lost.
import type { BackendIR, EncodedSlashAction, FilterIR, GatewayIR, HttpBackendIR, HttpHostIR, HttpRuleIR, ListenerIR, PortIR, RoutingTable } from '../ir/index.ts';
import { compileConditions, compileMatch, describePath, HostIndexMatcher, HostTable, type MatchRequest } from '../dataplane/match/index.ts';
import { hostBuckets, httpListeners, listenerTable, portKind } from '../dataplane/listeners/http-port.ts';
import { selectListener } from '../dataplane/http/listener-select.ts';
import { inRunOrder } from '../dataplane/http/chain.ts';
import { redirectLocation } from '../dataplane/http/filters/request-redirect.ts';
import { compilePathModifier } from '../dataplane/http/filters/path-modifier.ts';
import { hostOf } from '../dataplane/listeners/dispatch.ts';
import { normalizePath } from '../dataplane/http/normalize-path.ts';
import { DEFAULT_CLIENT_LIMITS, resolveClientLimits } from '../dataplane/limits.ts';

export interface ExplainInput {
  /** Absolute http(s) URL; its host is the SNI (as curl sends it) and, without a Host header, the authority. */
  url: string;
  method?: string;
  /** Request headers; a `host` entry replaces the URL's authority (as curl -H 'Host: ...' does). */
  headers?: Record<string, string>;
  /** Listener port p is served on p + portOffset (serve --port-offset). @default 0 */
  portOffset?: number;
  /** Only these Gateways ("ns/name"). */
  gateways?: string[];
  /** The gateway-wide encoded-slash action (serve --encoded-slash); a listener's own limits override it. */
  encodedSlash?: EncodedSlashAction;
}

export interface RequestView {
  method: string;
  scheme: 'http' | 'https';
  authority: string;
  host: string;
  /** The port the request is sent to, and the listener port that means (minus the offset). */
  port: number;
  listenerPort: number;
  sni?: string;
  path: string;
  query: string;
  headers: Record<string, string>;
}

export interface ConditionView { what: string; holds: boolean }

export interface RuleView {
  /** Position in spec precedence order within the host bucket (0 = tried first). */
  position: number;
  id: string;
  route: string;
  rule: string;
  matches: boolean;
  selected: boolean;
  conditions: ConditionView[];
  why: string;
}

export interface FilterView { type: FilterIR['type']; level: 'rule' | 'backend'; backend?: string; effect: string }

export interface BackendView {
  backend: string;
  weight: number;
  /** Share of requests, from the weights (0..1). */
  share: number;
  protocol: string;
  endpoints: string[];
  invalid?: { status: number; reason: string };
  tls?: string;
}

export type Outcome =
  | { kind: 'forward'; backends: BackendView[]; upstream: { host: string; path: string } }
  | { kind: 'redirect'; status: number; location: string }
  | { kind: 'respond'; status: number; reason: string };

export interface ListenerView { id: string; source: string; protocol: string; hostname: string; selected: boolean; why: string }

export interface HostBucketView { hostname: string; selected: boolean; routes: string[] }

export interface GatewayView {
  gateway: string;
  addresses: string[];
  /** Whether one of this Gateway's listeners takes the request. */
  accepted: boolean;
  why: string;
  listeners: ListenerView[];
  hosts: HostBucketView[];
  rules: RuleView[];
  filters: FilterView[];
  /** The request path after the data plane's normalisation, when that changed it. */
  normalizedPath?: string;
  rule?: { id: string; route: string; rule: string; timeouts: HttpRuleIR['timeouts']; retry?: HttpRuleIR['retry']; sessionPersistence?: HttpRuleIR['sessionPersistence'] };
  outcome: Outcome;
}

export interface Explanation {
  request: RequestView;
  gateways: GatewayView[];
}

const DEFAULT_PORT = { http: 80, https: 443 } as const;

export class ExplainInputError extends Error {}

export function requestView(input: ExplainInput): RequestView {
  let u: URL;
  try {
    u = new URL(input.url);
  } catch {
    throw new ExplainInputError(`not an absolute URL: ${input.url} (e.g. https://shop.example.com/cart)`);
  }
  const scheme = u.protocol === 'http:' ? 'http' : u.protocol === 'https:' ? 'https' : undefined;
  if (scheme === undefined) throw new ExplainInputError(`only http and https URLs can be explained, not ${u.protocol}`);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(input.headers ?? {})) headers[k.toLowerCase()] = v;
  const port = u.port === '' ? DEFAULT_PORT[scheme] : Number(u.port);
  const authority = headers.host ?? u.host;
  delete headers.host;
  const urlHost = u.hostname.replace(/^\[|\]$/g, '');
  const isIp = /^[0-9.]+$/.test(urlHost) || urlHost.includes(':');
  return {
    method: (input.method ?? 'GET').toUpperCase(), scheme, authority, host: hostOf(authority),
    port, listenerPort: port - (input.portOffset ?? 0),
    ...(scheme === 'https' && !isIp ? { sni: urlHost } : {}),
    path: u.pathname, query: u.search, headers,
  };
}

export function explain(table: RoutingTable, input: ExplainInput): Explanation {
  const request = requestView(input);
  const gateways = table.gateways
    .filter((g) => input.gateways === undefined || input.gateways.includes(g.key))
    .map((g) => explainGateway(g, request, input.encodedSlash ?? DEFAULT_CLIENT_LIMITS.encodedSlash));
  return { request, gateways };
}

function noRoute(why: string): Outcome {
  return { kind: 'respond', status: 404, reason: why };
}

function sourceOf(l: ListenerIR): string {
  const s = l.source;
  return `${s.kind} ${s.namespace}/${s.name} listener ${s.sectionName}`;
}

/** Whether a listener hostname covers `host`, by the data plane's own wildcard table. */
function hostnameMatches(pattern: string | undefined, host: string): boolean {
  return new HostTable([[pattern, true]]).lookup(host) === true;
}

function explainGateway(g: GatewayIR, r: RequestView, encodedSlash: EncodedSlashAction): GatewayView {
  const view: GatewayView = {
    gateway: g.key, addresses: g.addresses, accepted: false, why: '', listeners: [], hosts: [], rules: [], filters: [],
    outcome: noRoute('no listener'),
  };
  const port = g.ports.find((p) => p.transport === 'tcp' && p.port === r.listenerPort);
  if (port === undefined) {
    const ports = g.ports.map((p) => `${p.port}/${p.listeners.map((l) => l.protocol).join('+')}`).join(', ');
    view.why = `no listener on port ${r.listenerPort}${r.port !== r.listenerPort ? ` (${r.port} minus the port offset)` : ''}; ports: ${ports || 'none'}`;
    return view;
  }
  const kind = portKind(port);
  if (kind !== r.scheme) {
    view.why = `port ${port.port} serves ${kind === undefined ? port.listeners.map((l) => l.protocol).join('+') : kind.toUpperCase()}, the request is ${r.scheme.toUpperCase()}`;
    view.outcome = { kind: 'respond', status: 0, reason: 'protocol mismatch: the connection fails' };
    return view;
  }
  return explainPort(view, port, kind, r, encodedSlash);
}

function explainPort(view: GatewayView, port: PortIR, scheme: 'http' | 'https', r: RequestView, encodedSlash: EncodedSlashAction): GatewayView {
  const listeners = httpListeners(port);
  const byHost = listenerTable(listeners, (l) => l);
  if (r.authority === '') {
    view.why = 'the request has no Host';
    view.outcome = { kind: 'respond', status: 400, reason: 'missing Host header' };
    return view;
  }
  const choice = selectListener({ scheme, byHost }, r.host, r.sni);
  const byHostListener = byHost.lookup(r.host);
  for (const l of listeners) {
    const selected = choice.kind === 'listener' && choice.listener === l;
    let why: string;
    if (selected) why = `hostname ${l.hostname ?? '(any)'} is the most specific one matching ${r.host}`;
    else if (!hostnameMatches(l.hostname, r.host)) why = `hostname ${l.hostname} does not match ${r.host}`;
    else if (l === byHostListener) why = `owns ${r.host}, but the TLS server name ${r.sni} belongs to another listener`;
    else why = `hostname ${l.hostname ?? '(any)'} matches, but a more specific listener on this port owns ${r.host}`;
    view.listeners.push({ id: l.id, source: sourceOf(l), protocol: l.protocol, hostname: l.hostname ?? '(any)', selected, why });
  }
  // Listeners of the other protocol on a shared port (TLS next to HTTPS) never see HTTP requests.
  for (const l of port.listeners.filter((x) => !listeners.includes(x))) {
    view.listeners.push({ id: l.id, source: sourceOf(l), protocol: l.protocol, hostname: l.hostname ?? '(any)', selected: false, why: `${l.protocol} listener: takes TLS connections whose server name it owns, not HTTP requests` });
  }
  if (choice.kind === 'misdirected') {
    view.accepted = true;
    view.why = `the TLS server name ${r.sni} and the Host ${r.host} belong to different listeners`;
    view.outcome = { kind: 'respond', status: 421, reason: 'misdirected request' };
    return view;
  }
  if (choice.kind === 'none') {
    view.why = `no listener on port ${port.port} has a hostname matching ${r.host}`;
    return view;
  }
  const listener = choice.listener;
  view.accepted = true;
  view.why = `listener ${listener.id} (${sourceOf(listener)}) accepts ${r.host}`;
  // The path the routes see: normalised as the data plane does it, with the listener's limits.
  const p = normalizePath(r.path, resolveClientLimits({ ...DEFAULT_CLIENT_LIMITS, encodedSlash }, listener.limits).encodedSlash);
  if (p.kind === 'reject') {
    view.outcome = { kind: 'respond', status: 400, reason: p.reason };
    return view;
  }
  if (p.kind === 'redirect') {
    view.outcome = { kind: 'redirect', status: 308, location: p.path + r.query };
    return view;
  }
  if (p.path !== r.path) view.normalizedPath = p.path;
  const path = p.path;
  const buckets = hostBuckets<HttpHostIR>(listener, (h) => h);
  const bucket = buckets.lookup(r.host);
  for (const h of listener.http ?? []) {
    view.hosts.push({ hostname: h.hostname, selected: h === bucket, routes: [...new Set(h.rules.map(routeName))] });
  }
  if (bucket === undefined) {
    view.outcome = noRoute(`no route attached to ${listener.id} has a hostname matching ${r.host}`);
    return view;
  }
  return explainRules(view, bucket, port, scheme, { ...r, path });
}

function routeName(rule: HttpRuleIR): string {
  return `${rule.route.kind} ${rule.route.namespace}/${rule.route.name}`;
}

function ruleName(rule: HttpRuleIR): string {
  return rule.route.ruleName ?? `rule ${rule.route.ruleIndex}`;
}

function explainRules(view: GatewayView, bucket: HttpHostIR, port: PortIR, scheme: 'http' | 'https', r: RequestView): GatewayView {
  const req: MatchRequest = { method: r.method, path: r.path, query: r.query, headers: r.headers };
  // The data plane's matcher decides; the per-condition view below only says why.
  const winner = new HostIndexMatcher(bucket.rules).match(req);
  bucket.rules.forEach((rule, position) => {
    const m = compileMatch(rule.match);
    const conditions: ConditionView[] = [
      { what: describePath(rule.match.path), holds: m.path(req) },
      ...compileConditions(rule.match).map((c) => ({ what: c.what, holds: c.test(req) })),
    ];
    const matches = conditions.every((c) => c.holds);
    const selected = position === winner;
    let why: string;
    if (selected) why = 'first match in precedence order';
    else if (!matches) why = `${conditions.filter((c) => !c.holds).map((c) => c.what).join(', ')} does not hold`;
    else if (winner >= 0 && position > winner) why = `matches too, but comes after ${bucket.rules[winner]!.id} in precedence order (path type and length, method, headers, query, then route age and name)`;
    else why = 'matches, yet the data plane did not pick it (report this as a bug)';
    view.rules.push({ position, id: rule.id, route: routeName(rule), rule: ruleName(rule), matches, selected, conditions, why });
  });
  if (winner < 0) {
    view.outcome = noRoute(`no rule for ${bucket.hostname} matches`);
    return view;
  }
  const rule = bucket.rules[winner]!;
  view.rule = {
    id: rule.id, route: routeName(rule), rule: ruleName(rule), timeouts: rule.timeouts,
    ...(rule.retry ? { retry: rule.retry } : {}), ...(rule.sessionPersistence ? { sessionPersistence: rule.sessionPersistence } : {}),
  };
  if (rule.direct !== undefined) {
    view.outcome = { kind: 'respond', status: rule.direct.status, reason: rule.direct.reason };
    return view;
  }
  let upstream = { host: r.authority, path: r.path };
  for (const f of inRunOrder(rule.filters)) {
    const effect = filterEffect(f, rule, port, scheme, r, upstream);
    view.filters.push({ type: f.type, level: 'rule', effect: effect.text });
    if (effect.upstream) upstream = effect.upstream;
    if (effect.redirect) {
      view.outcome = effect.redirect;
      return view;
    }
  }
  const total = rule.backends.reduce((n, b) => n + (b.invalid ? 0 : b.weight), 0);
  const backends = rule.backends.map((b) => backendView(b, total));
  for (const b of rule.backends) {
    for (const f of inRunOrder(b.filters)) {
      view.filters.push({ type: f.type, level: 'backend', backend: backendName(b), effect: filterEffect(f, rule, port, scheme, r, upstream).text });
    }
  }
  if (rule.backends.length === 0 || backends.every((b) => b.share === 0 && b.invalid === undefined)) {
    view.outcome = { kind: 'respond', status: 500, reason: 'no backend can be picked (none, or every weight is 0)' };
    return view;
  }
  view.outcome = { kind: 'forward', backends, upstream };
  return view;
}

function backendName(b: BackendIR): string {
  return `${b.kind} ${b.namespace}/${b.name}:${b.port}`;
}

function backendView(b: HttpBackendIR, total: number): BackendView {
  return {
    backend: backendName(b), weight: b.weight, share: total > 0 && !b.invalid ? b.weight / total : 0, protocol: b.protocol,
    endpoints: b.endpoints.map((e) => `${e.address.includes(':') ? `[${e.address}]` : e.address}:${e.port}${e.pod ? ` (${e.pod})` : ''}`),
    ...(b.invalid ? { invalid: b.invalid } : {}),
    ...(b.tls ? { tls: `TLS to ${b.tls.hostname}` } : {}),
  };
}

function headerOps(m: { set: { name: string; value: string }[]; add: { name: string; value: string }[]; remove: string[] }): string {
  return [
    ...m.set.map((h) => `set ${h.name}: ${h.value}`),
    ...m.add.map((h) => `add ${h.name}: ${h.value}`),
    ...m.remove.map((h) => `remove ${h}`),
  ].join('; ');
}

function filterEffect(f: FilterIR, rule: HttpRuleIR, port: PortIR, scheme: 'http' | 'https', r: RequestView, upstream: { host: string; path: string }):
  { text: string; upstream?: { host: string; path: string }; redirect?: Outcome } {
  switch (f.type) {
    case 'RequestHeaderModifier': return { text: `request headers: ${headerOps(f.modifier)}` };
    case 'ResponseHeaderModifier': return { text: `response headers: ${headerOps(f.modifier)}` };
    case 'RequestRedirect': {
      const location = redirectLocation(f.redirect, { scheme, host: r.host, path: r.path, query: r.query }, { listenerPort: port.port },
        compilePathModifier(f.redirect.path, rule.match.path));
      const status = f.redirect.statusCode || 302;
      return { text: `answers ${status} Location: ${location}`, redirect: { kind: 'redirect', status, location } };
    }
    case 'URLRewrite': {
      const rewrite = compilePathModifier(f.rewrite.path, rule.match.path);
      const next = { host: f.rewrite.hostname ?? upstream.host, path: rewrite ? rewrite(upstream.path) : upstream.path };
      return { text: `upstream request: Host ${next.host}, path ${next.path}${r.query}`, upstream: next };
    }
    case 'RequestMirror': return { text: `mirrors ${Math.round(f.mirror.fraction * 1000) / 10}% of requests to ${backendName(f.mirror.backend)}` };
    case 'CORS': return { text: `CORS for origins ${f.cors.allowOrigins.join(', ') || '(none)'}; preflight requests are answered by the gateway` };
    case 'ExternalAuth': return { text: `asks ${f.auth.protocol} auth service ${backendName(f.auth.backend)} first; a denial answers the request` };
  }
}
