// GEP-713 targetRefs → the attachment points they name: a Gateway, listeners (a Gateway's
// sectionName, or a ListenerSet's listeners), a route, or one named rule of a route. Targets are
// local: always in the policy's namespace. Targets outside this controller are not ours to judge.
import type { PolicyTargetReference } from '../../model/index.ts';
import { GATEWAY_GROUP } from '../context.ts';
import type { Context } from '../context.ts';
import type { GatewayState, ListenerSetState, ListenerState } from '../state.ts';
import type { PolicyLevel } from './descriptor.ts';

export interface AncestorRef {
  group: string;
  kind: string;
  namespace: string;
  name: string;
  sectionName?: string;
}

export type ResolvedTarget =
  | { level: 'Gateway'; gateway: GatewayState; ancestor: AncestorRef }
  | { level: 'Listener'; listeners: ListenerState[]; ancestor: AncestorRef }
  /** Route-level targets report on the Gateways the route attaches to, known at placement. */
  | { level: 'Route' | 'Rule'; routeKey: string; ruleName?: string }
  | { level?: undefined; notFound: string; ancestor: AncestorRef }
  | { level?: undefined; invalid: string; ancestor: AncestorRef }
  /** Names an object of another controller: no status from us. */
  | { level?: undefined; foreign: true };

export const ROUTE_KINDS = new Set(['HTTPRoute', 'GRPCRoute']);

export function routeKey(kind: string, namespace: string, name: string): string {
  return `${kind}/${namespace}/${name}`;
}

export interface TargetIndex {
  gateways: Map<string, GatewayState>;
  listenerSets: Map<string, ListenerSetState>;
}

export function resolveTarget(ctx: Context, idx: TargetIndex, namespace: string, t: PolicyTargetReference): ResolvedTarget {
  const ancestor: AncestorRef = { group: t.group ?? GATEWAY_GROUP, kind: t.kind, namespace, name: t.name, ...(t.sectionName ? { sectionName: t.sectionName } : {}) };
  if ((t.group ?? '') !== GATEWAY_GROUP) {
    return { invalid: `group "${t.group ?? ''}" is not supported; target a ${GATEWAY_GROUP} Gateway, ListenerSet, HTTPRoute or GRPCRoute`, ancestor };
  }
  const key = `${namespace}/${t.name}`;
  switch (t.kind) {
    case 'Gateway': {
      const gw = idx.gateways.get(key);
      if (!gw) return ctx.snapshot.gateways.some((g) => `${g.metadata.namespace ?? 'default'}/${g.metadata.name}` === key) ? { foreign: true } : { notFound: `Gateway ${key} does not exist`, ancestor };
      const gwRef: AncestorRef = { group: GATEWAY_GROUP, kind: 'Gateway', namespace: gw.namespace, name: gw.name };
      if (!t.sectionName) return { level: 'Gateway', gateway: gw, ancestor: gwRef };
      const l = gw.listeners.find((x) => x.spec.name === t.sectionName);
      if (!l) return { notFound: `Gateway ${key} has no listener "${t.sectionName}"`, ancestor: { ...gwRef, sectionName: t.sectionName } };
      return { level: 'Listener', listeners: [l], ancestor: { ...gwRef, sectionName: t.sectionName } };
    }
    case 'ListenerSet': {
      const ls = idx.listenerSets.get(key);
      if (!ls) return ctx.snapshot.listenerSets.some((s) => `${s.metadata.namespace ?? 'default'}/${s.metadata.name}` === key) ? { foreign: true } : { notFound: `ListenerSet ${key} does not exist`, ancestor };
      const gwRef: AncestorRef = { group: GATEWAY_GROUP, kind: 'Gateway', namespace: ls.gateway.namespace, name: ls.gateway.name };
      const listeners = t.sectionName ? ls.listeners.filter((x) => x.spec.name === t.sectionName) : ls.listeners;
      if (listeners.length === 0) return { notFound: `ListenerSet ${key} has no listener "${t.sectionName ?? ''}"`, ancestor };
      return { level: 'Listener', listeners, ancestor: gwRef };
    }
    case 'HTTPRoute':
    case 'GRPCRoute': {
      const list = t.kind === 'HTTPRoute' ? ctx.snapshot.httpRoutes : ctx.snapshot.grpcRoutes;
      const route = list.find((r) => (r.metadata.namespace ?? 'default') === namespace && r.metadata.name === t.name);
      if (!route) return { notFound: `${t.kind} ${key} does not exist`, ancestor };
      const rk = routeKey(t.kind, namespace, t.name);
      if (!t.sectionName) return { level: 'Route', routeKey: rk };
      return { level: 'Rule', routeKey: rk, ruleName: t.sectionName };
    }
    default:
      return { invalid: `kind "${t.kind}" is not a policy target; target a Gateway, ListenerSet, HTTPRoute or GRPCRoute`, ancestor };
  }
}

/** Does the route have a rule with this name? (A Rule target that names none is TargetNotFound.) */
export function routeHasRule(ctx: Context, routeKeyStr: string, ruleName: string): boolean {
  const [kind, namespace, name] = routeKeyStr.split('/');
  const list: { metadata: { namespace?: string; name: string }; spec?: { rules?: { name?: string }[] } }[] = kind === 'HTTPRoute' ? ctx.snapshot.httpRoutes : ctx.snapshot.grpcRoutes;
  const route = list.find((r) => (r.metadata.namespace ?? 'default') === namespace && r.metadata.name === name);
  return (route?.spec?.rules ?? []).some((r) => r.name === ruleName);
}

export function levelAllowed(allowed: readonly PolicyLevel[] | undefined, level: PolicyLevel): boolean {
  return !allowed || allowed.includes(level);
}
