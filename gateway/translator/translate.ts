// translate(): Gateway API resources in, routing table and status out. Pure: no I/O, no
// clock (options.now), never throws on user input. Reads top to bottom as the spec's steps.
import type { KubeObject, ParentReference, Snapshot } from '../model/index.ts';
import { compareObjects } from '../model/index.ts';
import type { ParentDecision, ResourceStatus, TranslateOptions, TranslateResult } from './api.ts';
import type { ParentResult, RouteHead } from './attachment.ts';
import { attachRoute, indexParents } from './attachment.ts';
import type { TlsPolicies } from './backend-tls-policies.ts';
import { processBackendTLSPolicies } from './backend-tls-policies.ts';
import type { ConditionInput } from './conditions.ts';
import { buildContext, GATEWAY_GROUP } from './context.ts';
import { processGatewayClasses, processGateways, processListenerSets, settleListeners } from './gateways.ts';
import { translateGRPCRoute } from './grpc-routes.ts';
import { HostBuckets } from './http-hosts.ts';
import { translateHTTPRoute } from './http-routes.ts';
import type { ListenerRoutes } from './ir-table.ts';
import { buildTable } from './ir-table.ts';
import { markLastGood } from './last-good.ts';
import { markTlsOverlaps } from './tls-overlap.ts';
import { translateL4Route } from './l4-routes.ts';
import type { ListenerState } from './state.ts';
import type { TrafficPolicyState } from './x-backend-traffic-policies.ts';
import { POLICY_KINDS, processPolicies } from './policies/index.ts';
import { processTrafficPolicies, trafficPoliciesTargeting, trafficPolicyStatus } from './x-backend-traffic-policies.ts';
import { gatewayClassStatus, gatewayStatus, listenerSetStatus, policyStatus, routeStatus } from './status.ts';

export function translate(snapshot: Snapshot, options: TranslateOptions): TranslateResult {
  const ctx = buildContext(snapshot, options.controllerName, options.now);

  // 1. Classes, Gateways, ListenerSets and their listeners.
  const classes = processGatewayClasses(ctx);
  const gateways = processGateways(ctx, classes, options.gateways);
  const listenerSets = processListenerSets(ctx, gateways);
  settleListeners(gateways);
  for (const gw of gateways) markTlsOverlaps(gw);

  // 2. Policies that shape backends, before any route resolves one.
  const tls = processBackendTLSPolicies(ctx);
  const traffic = processTrafficPolicies(ctx);
  // Attached policies (GEP-713: SecurityPolicy ...): targets, conflicts and per-level sections;
  // inheritance is resolved onto each rule as routes are placed on listeners.
  const policies = processPolicies(ctx, tls, gateways, listenerSets, POLICY_KINDS);

  // 3. Routes: attach to listeners, resolve rules and backends, fill listener route tables.
  const parents = indexParents(gateways, listenerSets);
  const perListener = new Map<ListenerState, ListenerRoutes>();
  const routeStatuses: ResourceStatus[] = [];
  // References of routes that name none of our parents are not ours to judge: their verdicts,
  // recorded while the route was translated (from `mark` on), are dropped with them.
  let mark = ctx.decisions.references.length;
  const record = (kind: string, obj: KubeObject<any>, results: ParentResult[], problems: ConditionInput[], services: Set<string>) => {
    const s = routeStatus(ctx, kind, obj, results, problems);
    if (s) routeStatuses.push(s);
    countAttachments(results);
    noteAncestors(tls, results, services);
    noteTrafficAncestors(traffic, results, services);
    if (results.length === 0) {
      for (const r of ctx.decisions.references.splice(mark)) ctx.noted.delete(`${r.from.kind}/${r.from.namespace}/${r.from.name}#${r.field}`);
    }
    ctx.decisions.parents.push(...parentDecisions(kind, obj, results, problems));
    mark = ctx.decisions.references.length;
  };

  for (const { kind, obj } of httpLikeRoutes(snapshot)) {
    const t = kind === 'HTTPRoute' ? translateHTTPRoute(ctx, tls, obj) : translateGRPCRoute(ctx, tls, obj);
    const results = attachRoute(ctx, parents, head(kind, obj, obj.spec?.hostnames ?? []));
    const unacceptable = t.problems.find((p) => p.type === 'Accepted');
    // A route whose every rule is invalid is not Accepted, but where its parents would accept it,
    // its rules still hold their matches and answer 500 (rule-parts.ts, noteInvalidRule).
    const held = new Set<ParentResult>();
    if (unacceptable) {
      for (const r of results) {
        if (!r.accepted.status) continue;
        r.accepted = unacceptable;
        if (t.holdInvalid) held.add(r);
      }
    }
    // Several parentRefs may select the same listener (the whole Gateway and one section): its
    // rules go into each host bucket once.
    const placed = new Set<string>();
    for (const r of results) {
      if (!r.accepted.status && !held.has(r)) continue;
      for (const a of r.attachments) {
        const lr = routesOf(perListener, a.listener);
        lr.http ??= new HostBuckets();
        let rules: typeof t.rules | undefined;
        for (const h of a.hostnames) {
          const key = `${a.listener.ir.id}\n${h}`;
          if (placed.has(key)) continue;
          placed.add(key);
          rules ??= policies.rulesFor(a.listener, kind, obj.metadata.namespace ?? 'default', obj.metadata.name, t.rules);
          lr.http.add(h, rules);
        }
      }
    }
    record(kind, obj, results, t.problems, t.services);
  }

  for (const obj of snapshot.tlsRoutes) {
    const t = translateL4Route(ctx, tls, 'TLSRoute', obj);
    const results = attachRoute(ctx, parents, head('TLSRoute', obj, obj.spec?.hostnames ?? []));
    const placed = new Set<string>();
    for (const r of results.filter((x) => x.accepted.status)) {
      for (const a of r.attachments) {
        const lr = routesOf(perListener, a.listener);
        if (a.listener.ir.tls?.mode === 'Passthrough') {
          lr.passthrough ??= new Map();
          for (const h of a.hostnames) {
            if (placed.has(`${a.listener.ir.id}\n${h}`)) continue;
            placed.add(`${a.listener.ir.id}\n${h}`);
            lr.passthrough.set(h, [...(lr.passthrough.get(h) ?? []), t.route]);
          }
        } else if (!placed.has(a.listener.ir.id)) {
          placed.add(a.listener.ir.id);
          (lr.l4 ??= []).push(t.route);
        }
      }
    }
    record('TLSRoute', obj, results, t.problems, new Set());
  }

  for (const [kind, list] of [['TCPRoute', snapshot.tcpRoutes], ['UDPRoute', snapshot.udpRoutes]] as const) {
    for (const obj of list) {
      const t = translateL4Route(ctx, tls, kind, obj);
      const results = attachRoute(ctx, parents, head(kind, obj, undefined));
      const placed = new Set<ListenerState>();
      for (const r of results.filter((x) => x.accepted.status)) {
        for (const a of r.attachments) {
          if (placed.has(a.listener)) continue;
          placed.add(a.listener);
          (routesOf(perListener, a.listener).l4 ??= []).push(t.route);
        }
      }
      record(kind, obj, results, t.problems, new Set());
    }
  }

  // 4. The table, then every status block, then problems in a stable order.
  const table = buildTable(gateways, perListener);
  const statuses: ResourceStatus[] = [
    ...[...classes.values()].map((c) => gatewayClassStatus(ctx, c)),
    ...gateways.map((g) => gatewayStatus(ctx, g)),
    ...listenerSets.map((s) => listenerSetStatus(ctx, s)),
    ...routeStatuses,
    ...tls.all.map((p) => policyStatus(ctx, p)).filter((s): s is ResourceStatus => s !== undefined),
    ...traffic.map((p) => trafficPolicyStatus(ctx, p)).filter((s): s is ResourceStatus => s !== undefined),
    ...policies.statuses(),
  ];
  // A BackendTLSPolicy is judged (has status) only where our routes use its targets.
  const judged = new Set(tls.all.filter((p) => p.ancestors.size > 0).map((p) => `${p.obj.metadata.namespace ?? 'default'}/${p.obj.metadata.name}`));
  const references = ctx.decisions.references.filter((r) => r.from.kind !== 'BackendTLSPolicy' || judged.has(`${r.from.namespace}/${r.from.name}`));
  markLastGood(statuses, snapshot);
  return { table, statuses, problems: ctx.problems, decisions: { parents: ctx.decisions.parents, references } };
}

/** The route's verdict per parentRef, as the route's status reports it. */
function parentDecisions(kind: string, obj: KubeObject<any>, results: ParentResult[], problems: ConditionInput[]): ParentDecision[] {
  const unacceptable = problems.find((p) => p.type === 'Accepted');
  const route = { group: GATEWAY_GROUP, kind, namespace: obj.metadata.namespace ?? 'default', name: obj.metadata.name };
  return results.map((r) => {
    const accepted = r.accepted.status && unacceptable ? unacceptable : r.accepted;
    return {
      route, field: r.field, parentRef: r.ref, gateway: r.gateway.key,
      accepted: accepted.status, reason: accepted.reason, message: accepted.message, listeners: r.verdicts,
    };
  });
}

function head(kind: RouteHead['kind'], obj: KubeObject<{ parentRefs?: ParentReference[] }>, hostnames: string[] | undefined): RouteHead {
  return { kind, namespace: obj.metadata.namespace ?? 'default', name: obj.metadata.name, parentRefs: obj.spec?.parentRefs ?? [], hostnames };
}

/** HTTPRoutes and GRPCRoutes share listeners and precedence, so they are taken in one order. */
function httpLikeRoutes(s: Snapshot): { kind: 'HTTPRoute' | 'GRPCRoute'; obj: any }[] {
  return [
    ...s.httpRoutes.map((obj) => ({ kind: 'HTTPRoute' as const, obj })),
    ...s.grpcRoutes.map((obj) => ({ kind: 'GRPCRoute' as const, obj })),
  ].sort((a, b) => compareObjects(a.obj, b.obj));
}

function routesOf(m: Map<ListenerState, ListenerRoutes>, l: ListenerState): ListenerRoutes {
  let r = m.get(l);
  if (!r) { r = {}; m.set(l, r); }
  return r;
}

/** attachedRoutes counts routes, not parentRefs or rules: each listener once per route. */
function countAttachments(results: ParentResult[]): void {
  const seen = new Set<ListenerState>();
  for (const r of results) {
    if (!r.accepted.status) continue;
    for (const a of r.attachments) {
      if (seen.has(a.listener)) continue;
      seen.add(a.listener);
      a.listener.attachedRoutes++;
    }
  }
}

/** An XBackendTrafficPolicy reports (that it is unsupported) on the same Gateways a BackendTLSPolicy would. */
function noteTrafficAncestors(all: TrafficPolicyState[], results: ParentResult[], services: Set<string>): void {
  if (all.length === 0) return;
  for (const r of results) {
    if (!r.accepted.status) continue;
    for (const svc of services) for (const p of trafficPoliciesTargeting(all, svc)) p.ancestors.add(r.gateway.key);
  }
}

/** A BackendTLSPolicy reports on every Gateway whose accepted routes send traffic to its target. */
function noteAncestors(tls: TlsPolicies, results: ParentResult[], services: Set<string>): void {
  for (const r of results) {
    if (!r.accepted.status) continue;
    for (const svc of services) for (const p of tls.targeting(svc)) p.ancestors.add(r.gateway.key);
  }
}
