// translate(): Gateway API resources in, routing table and status out. Pure: no I/O, no
// clock (options.now), never throws on user input. Reads top to bottom as the spec's steps.
import type { KubeObject, Snapshot } from '../model/index.ts';
import { compareObjects } from '../model/index.ts';
import type { ResourceStatus, TranslateOptions, TranslateResult } from './api.ts';
import { indexParents } from './attachment.ts';
import type { TlsPolicies } from './backend-tls-policies.ts';
import { processBackendTLSPolicies } from './backend-tls-policies.ts';
import type { Context } from './context.ts';
import { buildContext } from './context.ts';
import { processGatewayClasses, processGateways, processListenerSets, settleListeners } from './gateways.ts';
import { HostBuckets } from './http-hosts.ts';
import type { ListenerRoutes, TableMemo } from './ir-table.ts';
import { buildTable } from './ir-table.ts';
import { markLastGood } from './last-good.ts';
import { markTlsOverlaps } from './tls-overlap.ts';
import type { OutcomeKind, RouteOutcome } from './route-outcome.ts';
import { computeOutcome, listenerOrder, noteKey, stampStatus } from './route-outcome.ts';
import type { RouteMemo } from './route-memo.ts';
import type { ListenerState } from './state.ts';
import type { TrafficPolicyState } from './x-backend-traffic-policies.ts';
import type { PolicyAttachments } from './policies/index.ts';
import { POLICY_KINDS, processPolicies } from './policies/index.ts';
import { processTrafficPolicies, trafficPoliciesTargeting, trafficPolicyStatus } from './x-backend-traffic-policies.ts';
import { gatewayClassStatus, gatewayStatus, listenerSetStatus, policyStatus } from './status.ts';

export function translate(snapshot: Snapshot, options: TranslateOptions): TranslateResult {
  return translateWith(snapshot, options);
}

/**
 * translate() with memos (incremental.ts): route outcomes kept while their inputs are unchanged,
 * and the previous table, whose unchanged parts are reused so they keep their identity. The
 * result is the same as translate()'s.
 */
export function translateWith(snapshot: Snapshot, options: TranslateOptions, memo?: RouteMemo, tables?: TableMemo): TranslateResult {
  memo?.begin(snapshot, options);
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
  // Each route's contribution is computed on its own (route-outcome.ts), or taken from the memo
  // of an incremental translator when the route and all it reads are unchanged, then folded in.
  const parents = indexParents(gateways, listenerSets);
  const listeners = listenerOrder(parents);
  const position = new Map(listeners.map((l, i) => [l, i]));
  const perListener = new Map<ListenerState, ListenerRoutes>();
  const routeStatuses: ResourceStatus[] = [];
  const fold = (kind: OutcomeKind, obj: KubeObject<any>) => {
    const hit = memo?.get(kind, obj, ctx);
    const o = hit ?? computeOutcome(ctx, tls, parents, position, kind, obj);
    if (!hit) memo?.set(kind, obj, ctx, o);
    const status = applyOutcome(o, { ctx, listeners, perListener, routeStatuses, tls, traffic, policies });
    if (hit && status) memo!.markReused(status);
  };
  for (const { kind, obj } of httpLikeRoutes(snapshot)) fold(kind, obj);
  for (const obj of snapshot.tlsRoutes) fold('TLSRoute', obj);
  for (const obj of snapshot.tcpRoutes) fold('TCPRoute', obj);
  for (const obj of snapshot.udpRoutes) fold('UDPRoute', obj);
  memo?.end();

  // 4. The table, then every status block, then problems in a stable order.
  const table = buildTable(gateways, perListener, tables);
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

/** HTTPRoutes and GRPCRoutes share listeners and precedence, so they are taken in one order. */
function httpLikeRoutes(s: Snapshot): { kind: 'HTTPRoute' | 'GRPCRoute'; obj: any }[] {
  return [
    ...s.httpRoutes.map((obj) => ({ kind: 'HTTPRoute' as const, obj })),
    ...s.grpcRoutes.map((obj) => ({ kind: 'GRPCRoute' as const, obj })),
  ].sort((a, b) => compareObjects(a.obj, b.obj));
}

/** Folds one route's outcome into the translation: what translate() did inline per route. */
function applyOutcome(o: RouteOutcome, f: {
  ctx: Context; listeners: ListenerState[]; perListener: Map<ListenerState, ListenerRoutes>; routeStatuses: ResourceStatus[];
  tls: TlsPolicies; traffic: TrafficPolicyState[]; policies: PolicyAttachments;
}): ResourceStatus | undefined {
  const { ctx } = f;
  const status = o.status && stampStatus(o.status, ctx.now);
  if (status) f.routeStatuses.push(status);
  for (const p of o.problems) ctx.problems.push(p);
  for (const i of o.attached) f.listeners[i]!.attachedRoutes++;
  for (const p of o.placements) {
    const listener = f.listeners[p.listener]!;
    const lr = routesOf(f.perListener, listener);
    if (p.into === 'http') {
      // Policies are resolved onto the rules per listener here, not in the outcome: they change
      // without the route changing (and rulesFor records the policies' ancestors).
      const rules = f.policies.rulesFor(listener, o.kind, o.namespace, o.name, o.rules!);
      lr.http ??= new HostBuckets();
      for (const h of p.hostnames!) lr.http.add(h, rules);
    } else if (p.into === 'passthrough') {
      lr.passthrough ??= new Map();
      lr.passthrough.set(p.hostnames![0]!, [...(lr.passthrough.get(p.hostnames![0]!) ?? []), o.l4!]);
    } else (lr.l4 ??= []).push(o.l4!);
  }
  // A BackendTLSPolicy (and an XBackendTrafficPolicy, to say it is unsupported) reports on every
  // Gateway whose accepted routes send traffic to its target.
  for (const gw of o.gateways) {
    for (const svc of o.services) {
      for (const p of f.tls.targeting(svc)) p.ancestors.add(gw);
      if (f.traffic.length > 0) for (const p of trafficPoliciesTargeting(f.traffic, svc)) p.ancestors.add(gw);
    }
  }
  for (const r of o.references) {
    ctx.noted.add(noteKey(r));
    ctx.decisions.references.push(r);
  }
  ctx.decisions.parents.push(...o.parents);
  return status;
}

function routesOf(m: Map<ListenerState, ListenerRoutes>, l: ListenerState): ListenerRoutes {
  let r = m.get(l);
  if (!r) { r = {}; m.set(l, r); }
  return r;
}
