// A comparable view of one translation: per Gateway listener, the hostnames it serves and, per
// hostname, the route rules with their matches, filters, backends, timeouts and policies (as
// describe.ts strings); and every status condition keyed by the object (and listener or parent)
// it belongs to. Both sides of a diff are turned into views, then compared key by key.
import type { L4RouteIR, ListenerIR, RoutingTable } from '../ir/index.ts';
import type { ResourceStatus } from '../translator/api.ts';
import { describeBackends, describeFilter, describeMatch, describePolicies, describeTimeouts } from './describe.ts';

export interface RuleView {
  /** "HTTPRoute shop/web rule stable" (rule name, or "#index" without one). */
  key: string;
  route: string;
  matches: string[];
  filters: string[];
  backends: string;
  timeouts: string;
  policies: string;
}

export interface ListenerView {
  /** The IR listener id. */
  id: string;
  gateway: string;
  /** "https", or "ListenerSet payments/portal https". */
  name: string;
  protocol: string;
  port: number;
  hostname?: string;
  /** Served hostname (exact, wildcard or "*") → rule key → rule. */
  hosts: Map<string, Map<string, RuleView>>;
}

export interface ConditionView {
  /** "Gateway portico-system/public listener https", "HTTPRoute shop/web parent portico-system/public/https". */
  object: string;
  type: string;
  status: string;
  reason: string;
  message: string;
}

export function listenerName(l: ListenerIR): string {
  return l.source.kind === 'Gateway' ? l.source.sectionName : `ListenerSet ${l.source.namespace}/${l.source.name} ${l.source.sectionName}`;
}

export function listenerViews(table: RoutingTable): Map<string, ListenerView> {
  const out = new Map<string, ListenerView>();
  for (const gw of table.gateways) {
    for (const port of gw.ports) {
      for (const l of port.listeners) {
        const hosts = new Map<string, Map<string, RuleView>>();
        const rules = (host: string) => {
          let m = hosts.get(host);
          if (!m) hosts.set(host, (m = new Map()));
          return m;
        };
        for (const h of l.http ?? []) {
          const m = rules(h.hostname);
          for (const r of h.rules) {
            const route = `${r.route.kind} ${r.route.namespace}/${r.route.name}`;
            const key = `${route} rule ${r.route.ruleName ?? `#${r.route.ruleIndex}`}`;
            const existing = m.get(key);
            // One IR entry per (rule × match): the matches gather on the rule.
            if (existing) { existing.matches.push(describeMatch(r.match)); continue; }
            m.set(key, {
              key, route, matches: [describeMatch(r.match)],
              filters: r.filters.map((f) => describeFilter(f, r.route.namespace)),
              backends: describeBackends(r.backends, r.route.namespace),
              timeouts: describeTimeouts(r), policies: describePolicies(r),
            });
          }
        }
        const l4 = (host: string, list: L4RouteIR[]) => {
          const m = rules(host);
          list.forEach((r, i) => {
            const [kind, ns, name] = r.route.split('/');
            const key = `${kind} ${ns}/${name}`;
            m.set(key, { key, route: key, matches: [], filters: [], backends: describeBackends(r.backends, ns ?? ''), timeouts: 'none', policies: i === 0 ? 'none' : 'not served (an older route wins)' });
          });
        };
        for (const p of l.passthrough ?? []) l4(p.hostname, p.routes);
        if (l.l4) l4(l.hostname ?? '*', l.l4);
        out.set(l.id, { id: l.id, gateway: gw.key, name: listenerName(l), protocol: l.protocol, port: port.port, hostname: l.hostname, hosts });
      }
    }
  }
  return out;
}

function parentName(p: any): string {
  const ns = p?.namespace ? `${p.namespace}/` : '';
  const section = p?.sectionName ? `/${p.sectionName}` : '';
  const port = p?.port !== undefined ? `:${p.port}` : '';
  return `${p?.kind && p.kind !== 'Gateway' ? `${p.kind} ` : ''}${ns}${p?.name}${section}${port}`;
}

/** Every condition of every status block, keyed "object|type". */
export function conditionViews(statuses: readonly ResourceStatus[]): Map<string, ConditionView> {
  const out = new Map<string, ConditionView>();
  const add = (object: string, conds: unknown) => {
    for (const c of (Array.isArray(conds) ? conds : []) as any[]) {
      out.set(`${object}|${c.type}`, { object, type: c.type, status: c.status, reason: c.reason, message: c.message ?? '' });
    }
  };
  for (const s of statuses) {
    const id = `${s.ref.kind} ${s.ref.namespace ? `${s.ref.namespace}/` : ''}${s.ref.name}`;
    const st = s.status as any;
    add(id, st.conditions);
    for (const l of st.listeners ?? []) add(`${id} listener ${l.name}`, l.conditions);
    for (const p of st.parents ?? []) add(`${id} parent ${parentName(p.parentRef)}`, p.conditions);
    for (const a of st.ancestors ?? []) add(`${id} ancestor ${parentName(a.ancestorRef)}`, a.conditions);
  }
  return out;
}

/** Conditions where "True" is the bad state; every other type is good when "True". */
const NEGATIVE = new Set(['Conflicted']);

export function isHealthy(c: Pick<ConditionView, 'type' | 'status'>): boolean {
  return NEGATIVE.has(c.type) ? c.status === 'False' : c.status === 'True';
}
