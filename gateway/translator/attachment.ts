// Route → parent attachment: for every parentRef that names one of our Gateways or
// ListenerSets, which listeners take the route and with which effective hostnames, or the
// spec reason why none does.
import type { ParentReference } from '../model/index.ts';
import type { ListenerVerdict } from './api.ts';
import type { ConditionInput } from './conditions.ts';
import { Reason } from './conditions.ts';
import type { Context } from './context.ts';
import { GATEWAY_GROUP, namespaceLabels, selectorMatches } from './context.ts';
import { intersectHostnames } from './hostnames.ts';
import type { GatewayState, ListenerSetState, ListenerState } from './state.ts';
import { isListenerAccepted } from './state.ts';

export type RouteKind = 'HTTPRoute' | 'GRPCRoute' | 'TLSRoute' | 'TCPRoute' | 'UDPRoute';

export interface RouteHead {
  kind: RouteKind;
  namespace: string;
  name: string;
  parentRefs: ParentReference[];
  /** undefined for kinds without hostnames (TCP, UDP). */
  hostnames?: string[];
}

export interface Attachment {
  listener: ListenerState;
  hostnames: string[];
}

export interface ParentResult {
  /** The parentRef with defaults filled in, as written to status.parents[].parentRef. */
  ref: ParentReference;
  field: string;
  gateway: GatewayState;
  accepted: ConditionInput;
  attachments: Attachment[];
  /** Every listener the parentRef selected and what each decided (Decisions.parents). */
  verdicts: ListenerVerdict[];
}

export interface Parents {
  gateways: Map<string, GatewayState>;
  listenerSets: Map<string, ListenerSetState>;
}

export function indexParents(gateways: GatewayState[], listenerSets: ListenerSetState[]): Parents {
  return {
    gateways: new Map(gateways.map((g) => [g.key, g])),
    listenerSets: new Map(listenerSets.map((s) => [`${s.obj.metadata.namespace}/${s.obj.metadata.name}`, s])),
  };
}

const bad = (reason: string, message: string): ConditionInput => ({ type: 'Accepted', status: false, reason, message });

export function attachRoute(ctx: Context, parents: Parents, route: RouteHead): ParentResult[] {
  const out: ParentResult[] = [];
  route.parentRefs.forEach((p, i) => {
    const group = p.group ?? GATEWAY_GROUP;
    const kind = p.kind ?? 'Gateway';
    const namespace = p.namespace ?? route.namespace;
    if (group !== GATEWAY_GROUP) return;
    let gateway: GatewayState | undefined;
    let listeners: ListenerState[];
    let parentAccepted: ConditionInput | undefined;
    if (kind === 'Gateway') {
      gateway = parents.gateways.get(`${namespace}/${p.name}`);
      if (!gateway) return; // not ours: leave its status to whoever owns it
      listeners = gateway.listeners;
      if (!gateway.accepted.status) parentAccepted = bad(Reason.NoMatchingParent, `Gateway ${gateway.key} is not accepted`);
    } else if (kind === 'ListenerSet') {
      const ls = parents.listenerSets.get(`${namespace}/${p.name}`);
      if (!ls) return;
      gateway = ls.gateway;
      listeners = ls.listeners;
      if (!ls.accepted.status) parentAccepted = bad(Reason.NoMatchingParent, `ListenerSet ${namespace}/${p.name} is not accepted`);
    } else return;

    const ref: ParentReference = { group, kind, namespace, name: p.name };
    if (p.sectionName !== undefined) ref.sectionName = p.sectionName;
    if (p.port !== undefined) ref.port = p.port;
    const result: ParentResult = { ref, field: `spec.parentRefs[${i}]`, gateway, attachments: [], verdicts: [], accepted: { type: 'Accepted', status: true, reason: Reason.Accepted, message: 'Route is accepted' } };
    out.push(result);
    if (parentAccepted) { result.accepted = parentAccepted; return; }
    judge(ctx, route, result, listeners, p);
  });
  return out;
}

function judge(ctx: Context, route: RouteHead, result: ParentResult, listeners: ListenerState[], p: ParentReference): void {
  const selected = listeners.filter((l) => (p.sectionName === undefined || l.spec.name === p.sectionName) && (p.port === undefined || l.spec.port === p.port));
  const where = [p.sectionName !== undefined ? `sectionName "${p.sectionName}"` : '', p.port !== undefined ? `port ${p.port}` : ''].filter(Boolean).join(' and ');
  if (selected.length === 0) {
    result.accepted = bad(Reason.NoMatchingParent, where ? `no listener matches ${where}` : 'the parent has no listeners');
    return;
  }
  // Each selected listener's own verdict, then the parentRef's condition from them.
  for (const l of selected) {
    const v = verdict(ctx, route, l);
    result.verdicts.push(v);
    if (v.attached) result.attachments.push({ listener: l, hostnames: v.hostnames });
  }
  const usable = selected.filter(isListenerAccepted);
  if (usable.length === 0) {
    result.accepted = bad(Reason.NoMatchingParent, `listener ${selected.map((l) => `"${l.spec.name}"`).join(', ')} is not accepted`);
    return;
  }
  const allowed = usable.filter((l) => kindAllowed(l, route.kind) && namespaceAllowed(ctx, l, route.namespace));
  if (allowed.length === 0) {
    const names = usable.map((l) => `"${l.spec.name}"`).join(', ');
    const kindOk = usable.some((l) => kindAllowed(l, route.kind));
    result.accepted = bad(Reason.NotAllowedByListeners, kindOk
      ? `listener ${names} does not allow ${route.kind}s from namespace ${route.namespace} (allowedRoutes.namespaces)`
      : `listener ${names} does not accept ${route.kind}s (supportedKinds)`);
    return;
  }
  if (result.attachments.length === 0) {
    result.accepted = bad(Reason.NoMatchingListenerHostname,
      `no hostname of the route (${(route.hostnames ?? []).join(', ')}) matches listener hostname ${allowed.map((l) => l.spec.hostname ?? '*').join(', ')}`);
  }
}

function verdict(ctx: Context, route: RouteHead, l: ListenerState): ListenerVerdict {
  const owner = l.listenerSet
    ? { group: GATEWAY_GROUP, kind: 'ListenerSet', namespace: l.namespace, name: l.listenerSet.obj.metadata.name }
    : { group: GATEWAY_GROUP, kind: 'Gateway', namespace: l.namespace, name: l.gateway.name };
  const base = { owner, name: l.spec.name, ...(l.ir.hostname !== undefined ? { hostname: l.ir.hostname } : {}) };
  const no = (reason: string): ListenerVerdict => ({ ...base, attached: false, reason, hostnames: [] });
  if (!isListenerAccepted(l)) return no(Reason.NoMatchingParent);
  if (!kindAllowed(l, route.kind) || !namespaceAllowed(ctx, l, route.namespace)) return no(Reason.NotAllowedByListeners);
  const hostnames = route.hostnames === undefined ? ['*'] : intersectHostnames(l.ir.hostname, route.hostnames);
  if (hostnames.length === 0) return no(Reason.NoMatchingListenerHostname);
  return { ...base, attached: true, reason: Reason.Accepted, hostnames };
}

function kindAllowed(l: ListenerState, kind: string): boolean {
  return l.supportedKinds.some((k) => k.kind === kind && k.group === GATEWAY_GROUP);
}

function namespaceAllowed(ctx: Context, l: ListenerState, ns: string): boolean {
  const from = l.spec.allowedRoutes?.namespaces?.from ?? 'Same';
  switch (from) {
    case 'All': return true;
    case 'Same': return ns === l.namespace;
    case 'Selector': return selectorMatches(l.spec.allowedRoutes?.namespaces?.selector, namespaceLabels(ctx, ns));
    default: return false;
  }
}
