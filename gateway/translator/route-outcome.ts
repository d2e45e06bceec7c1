// One route's whole contribution to a translation, as plain data: its status, its decisions,
// its problems and where its rules go. Computed once per route (route-memo.ts keeps it while the
// route and everything it reads are unchanged), then folded into the translation by
// applyOutcome(), so a full and an incremental translation run the very same code.
import type { HttpRuleIR, L4RouteIR } from '../ir/index.ts';
import type { Condition, KubeObject, ParentReference } from '../model/index.ts';
import type { ParentDecision, Problem, ReferenceDecision, ResourceStatus } from './api.ts';
import type { ParentResult, Parents, RouteHead } from './attachment.ts';
import { attachRoute } from './attachment.ts';
import type { TlsPolicies } from './backend-tls-policies.ts';
import type { ConditionInput } from './conditions.ts';
import type { Context } from './context.ts';
import { GATEWAY_GROUP } from './context.ts';
import { translateGRPCRoute } from './grpc-routes.ts';
import { translateHTTPRoute } from './http-routes.ts';
import { translateL4Route } from './l4-routes.ts';
import type { ListenerState } from './state.ts';
import { routeStatus } from './status.ts';

export type OutcomeKind = 'HTTPRoute' | 'GRPCRoute' | 'TLSRoute' | 'TCPRoute' | 'UDPRoute';

/**
 * Stands for "now" in a computed status: a condition that took the translation's time gets it
 * when the outcome is folded in (stampStatus), so an outcome stays valid across translations.
 * A NUL cannot occur in a Kubernetes timestamp.
 */
export const NOW = '\u0000now';

export interface Placement {
  /** Index of the listener in the translation's listener list (listenerOrder()). */
  listener: number;
  /**
   * http: the effective hostnames newly placed by one attachment (its rules are resolved against
   * the listener's policies once for all of them); passthrough: the one hostname.
   */
  hostnames?: string[];
  into: 'http' | 'passthrough' | 'l4';
}

export interface RouteOutcome {
  kind: OutcomeKind;
  namespace: string;
  name: string;
  status?: ResourceStatus;
  problems: Problem[];
  parents: ParentDecision[];
  references: ReferenceDecision[];
  /** HTTP-like routes: the rule templates placed under each hostname. */
  rules?: HttpRuleIR[];
  /** L4 routes. */
  l4?: L4RouteIR;
  placements: Placement[];
  /** Listeners counting this route in attachedRoutes (each once). */
  attached: number[];
  /** Gateways of accepted parents (policy ancestors), in parent order. */
  gateways: string[];
  /** Services the route's rules resolved to (policy ancestors). */
  services: string[];
  /** "namespace/name" of every Service the route looked up, found or not (route-memo.ts). */
  serviceRefs: string[];
}

/** All listeners of a translation in a fixed order: a placement names a listener by position. */
export function listenerOrder(parents: Parents): ListenerState[] {
  const out: ListenerState[] = [];
  for (const g of parents.gateways.values()) out.push(...g.listeners);
  for (const s of parents.listenerSets.values()) out.push(...s.listeners);
  return out;
}

export function computeOutcome(
  ctx: Context, tls: TlsPolicies, parents: Parents, position: Map<ListenerState, number>, kind: OutcomeKind, obj: any,
): RouteOutcome {
  const refMark = ctx.decisions.references.length;
  const problemMark = ctx.problems.length;
  const now = ctx.now;
  ctx.now = NOW;
  try {
    const placements: Placement[] = [];
    let rules: HttpRuleIR[] | undefined;
    let l4: L4RouteIR | undefined;
    let ruleProblems: ConditionInput[];
    let services: string[] = [];
    let results: ParentResult[];
    if (kind === 'HTTPRoute' || kind === 'GRPCRoute') {
      const t = kind === 'HTTPRoute' ? translateHTTPRoute(ctx, tls, obj) : translateGRPCRoute(ctx, tls, obj);
      results = attachRoute(ctx, parents, head(kind, obj, obj.spec?.hostnames ?? []));
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
          const hostnames: string[] = [];
          for (const h of a.hostnames) {
            const key = `${a.listener.ir.id}\n${h}`;
            if (placed.has(key)) continue;
            placed.add(key);
            hostnames.push(h);
          }
          if (hostnames.length > 0) placements.push({ listener: position.get(a.listener)!, hostnames, into: 'http' });
        }
      }
      rules = t.rules;
      ruleProblems = t.problems;
      services = [...t.services];
    } else if (kind === 'TLSRoute') {
      const t = translateL4Route(ctx, tls, 'TLSRoute', obj);
      results = attachRoute(ctx, parents, head('TLSRoute', obj, obj.spec?.hostnames ?? []));
      const placed = new Set<string>();
      for (const r of results.filter((x) => x.accepted.status)) {
        for (const a of r.attachments) {
          if (a.listener.ir.tls?.mode === 'Passthrough') {
            for (const h of a.hostnames) {
              if (placed.has(`${a.listener.ir.id}\n${h}`)) continue;
              placed.add(`${a.listener.ir.id}\n${h}`);
              placements.push({ listener: position.get(a.listener)!, hostnames: [h], into: 'passthrough' });
            }
          } else if (!placed.has(a.listener.ir.id)) {
            placed.add(a.listener.ir.id);
            placements.push({ listener: position.get(a.listener)!, into: 'l4' });
          }
        }
      }
      l4 = t.route;
      ruleProblems = t.problems;
    } else {
      const t = translateL4Route(ctx, tls, kind, obj);
      results = attachRoute(ctx, parents, head(kind, obj, undefined));
      const placed = new Set<ListenerState>();
      for (const r of results.filter((x) => x.accepted.status)) {
        for (const a of r.attachments) {
          if (placed.has(a.listener)) continue;
          placed.add(a.listener);
          placements.push({ listener: position.get(a.listener)!, into: 'l4' });
        }
      }
      l4 = t.route;
      ruleProblems = t.problems;
    }
    const status = routeStatus(ctx, kind, obj, results, ruleProblems);
    const recorded = ctx.decisions.references.splice(refMark);
    for (const r of recorded) ctx.noted.delete(noteKey(r));
    const serviceRefs = [...new Set(recorded.filter((r) => r.to.group === '' && r.to.kind === 'Service').map((r) => `${r.to.namespace}/${r.to.name}`))];
    const attached: number[] = [];
    const gateways: string[] = [];
    for (const r of results) {
      if (!r.accepted.status) continue;
      gateways.push(r.gateway.key);
      for (const a of r.attachments) {
        const i = position.get(a.listener)!;
        if (!attached.includes(i)) attached.push(i);
      }
    }
    return {
      kind, namespace: obj.metadata.namespace ?? 'default', name: obj.metadata.name,
      ...(status ? { status } : {}),
      problems: ctx.problems.splice(problemMark),
      parents: parentDecisions(kind, obj, results, ruleProblems),
      // References of routes that name none of our parents are not ours to judge.
      references: results.length === 0 ? [] : recorded,
      ...(rules ? { rules } : {}),
      ...(l4 ? { l4 } : {}),
      placements, attached, gateways, services, serviceRefs,
    };
  } finally {
    ctx.now = now;
  }
}

export function noteKey(r: ReferenceDecision): string {
  return `${r.from.kind}/${r.from.namespace}/${r.from.name}#${r.field}`;
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

/**
 * The route status with this translation's time where the outcome took "now". Always a fresh
 * copy down to the conditions: later steps (markLastGood) edit statuses in place.
 */
export function stampStatus(rs: ResourceStatus, now: string): ResourceStatus {
  const parents = (rs.status.parents ?? []) as { conditions: Condition[] }[];
  return {
    ...rs,
    status: {
      ...rs.status,
      parents: parents.map((p) => ({
        ...p,
        conditions: p.conditions.map((c) => ({ ...c, lastTransitionTime: c.lastTransitionTime === NOW ? now : c.lastTransitionTime })),
      })),
    },
  };
}
