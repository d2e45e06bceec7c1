// Post-processing of the translator's status: the runtime facts it cannot know (which
// addresses were bound) and stable lastTransitionTime across reloads.
import type { Problem, ResourceStatus } from '../translator/api.ts';
import type { ApplyResult, ListenerFault } from '../dataplane/api.ts';
import type { RoutingTable } from '../ir/index.ts';
import type { AddressPlan } from './addresses.ts';
import type { PublishedAddresses } from './published-addresses.ts';

type Obj = Record<string, any>;

function setProgrammedFalse(status: Obj, generation: number, reason: string, message: string, now: string): void {
  const conditions: Obj[] = Array.isArray(status.conditions) ? status.conditions : (status.conditions = []);
  const c = conditions.find((x) => x.type === 'Programmed');
  // A Programmed=False the translator already chose (e.g. invalid listeners) says more.
  if (c && c.status === 'False') return;
  const next = { type: 'Programmed', status: 'False', reason, message, observedGeneration: generation, lastTransitionTime: now };
  if (c) Object.assign(c, next);
  else conditions.push(next);
}

/**
 * Fills Gateway status.addresses with what was bound (or, with `published`, with the address of
 * the Service in front of the gateway), and Programmed=False when that failed or is not known yet.
 */
export function patchGatewayAddresses(
  statuses: ResourceStatus[], plan: AddressPlan, apply: ApplyResult, now: string,
  published?: (gatewayKey: string) => PublishedAddresses,
): ResourceStatus[] {
  return statuses.map((rs) => {
    if (rs.ref.kind !== 'Gateway') return rs;
    const key = `${rs.ref.namespace}/${rs.ref.name}`;
    const gp = plan.gateways.get(key);
    if (!gp) return rs;
    const status = structuredClone(rs.status) as Obj;
    const pub = published?.(key);
    status.addresses = pub ? pub.addresses : gp.assigned.map((value) => ({ type: 'IPAddress', value }));
    const bindErrors = apply.errors.filter((e) => e.gateway === key);
    if (pub?.pending) {
      setProgrammedFalse(status, rs.generation, 'AddressNotAssigned', pub.pending, now);
    } else if (gp.notAssigned) {
      setProgrammedFalse(status, rs.generation, 'AddressNotAssigned', gp.notAssigned, now);
    } else if (gp.unusable.length > 0 || bindErrors.length > 0) {
      const parts = [
        ...gp.unusable.map((u) => `address ${u.address} is not usable: ${u.message}`),
        ...bindErrors.map((e) => `cannot listen on ${e.address}:${e.port}: ${e.message}`),
      ];
      setProgrammedFalse(status, rs.generation, 'AddressNotUsable', parts.join('; '), now);
    }
    return { ...rs, status };
  });
}

/**
 * Listeners the data plane could not load, and listeners on a port it could not bind: the
 * failure is put on that listener only (Programmed=False; a port that cannot be bound also
 * Accepted=False/PortUnavailable), its Gateway or ListenerSet and every other listener keep their
 * status, and one Problem each.
 */
export function patchListenerFaults(statuses: ResourceStatus[], apply: ApplyResult, now: string, table?: RoutingTable): { statuses: ResourceStatus[]; problems: Problem[] } {
  const faults: (ListenerFault & { port_unavailable?: boolean })[] = [...(apply.listenerErrors ?? [])];
  for (const e of apply.errors) {
    const ports = table?.gateways.find((g) => g.key === e.gateway)?.ports.filter((p) => p.port === e.port) ?? [];
    for (const l of ports.flatMap((p) => p.listeners)) {
      faults.push({ gateway: e.gateway, listener: l.id, source: l.source, port: e.port, message: `cannot listen on ${e.address}:${e.port}: ${e.message}`, port_unavailable: true });
    }
  }
  if (faults.length === 0) return { statuses, problems: [] };
  const problems: Problem[] = [];
  const set = (conditions: Obj[], next: Obj) => {
    const c = conditions.find((x) => x.type === next.type);
    if (c) Object.assign(c, next);
    else conditions.push(next);
  };
  const out = statuses.map((rs) => {
    const mine = faults.filter((f) => f.source.kind === rs.ref.kind && f.source.namespace === rs.ref.namespace && f.source.name === rs.ref.name);
    if (mine.length === 0) return rs;
    const status = structuredClone(rs.status) as Obj;
    for (const f of mine) {
      const message = f.port_unavailable ? f.message : `the data plane could not load this listener: ${f.message}`;
      const entry = (status.listeners as Obj[] | undefined)?.find((l) => l.name === f.source.sectionName);
      if (entry) {
        const conditions: Obj[] = entry.conditions ?? (entry.conditions = []);
        const stamp = { observedGeneration: rs.generation, lastTransitionTime: now };
        if (f.port_unavailable) set(conditions, { type: 'Accepted', status: 'False', reason: 'PortUnavailable', message, ...stamp });
        set(conditions, { type: 'Programmed', status: 'False', reason: 'Invalid', message, ...stamp });
      }
      problems.push({
        severity: 'error', ref: rs.ref, field: `listener ${f.source.sectionName} (port ${f.port})`,
        reason: f.port_unavailable ? 'PortUnavailable' : 'ListenerNotLoaded', message,
        fix: f.port_unavailable ? 'free the port on this host or use another listener port' : 'fix the listener\'s certificate or filters; the other listeners keep serving',
      });
    }
    return { ...rs, status };
  });
  return { statuses: out, problems };
}

function identity(x: unknown, i: number): string {
  if (typeof x !== 'object' || x === null) return `#${i}`;
  const o = x as Obj;
  if (o.parentRef) return `p:${JSON.stringify(o.parentRef)}:${o.controllerName ?? ''}`;
  if (o.ancestorRef) return `a:${JSON.stringify(o.ancestorRef)}:${o.controllerName ?? ''}`;
  if (typeof o.type === 'string' && 'lastTransitionTime' in o) return `c:${o.type}`;
  if (typeof o.name === 'string') return `n:${o.name}`;
  return `#${i}`;
}

function keepTimes(prev: unknown, next: unknown): void {
  if (Array.isArray(prev) && Array.isArray(next)) {
    const byId = new Map(prev.map((p, i) => [identity(p, i), p]));
    next.forEach((n, i) => keepTimes(byId.get(identity(n, i)), n));
    return;
  }
  if (typeof prev !== 'object' || prev === null || typeof next !== 'object' || next === null) return;
  const p = prev as Obj, n = next as Obj;
  if (typeof n.type === 'string' && 'lastTransitionTime' in n && 'status' in n) {
    if (p.type === n.type && p.status === n.status && p.reason === n.reason && p.lastTransitionTime) {
      n.lastTransitionTime = p.lastTransitionTime;
    }
    return;
  }
  for (const k of Object.keys(n)) keepTimes(p[k], n[k]);
}

// A reused route status shares its ref object with the previous one: its key is built once.
const refKeys = new WeakMap<object, string>();
function refKey(rs: ResourceStatus): string {
  let k = refKeys.get(rs.ref);
  if (k === undefined) {
    k = `${rs.ref.group}/${rs.ref.kind}/${rs.ref.namespace ?? ''}/${rs.ref.name}`;
    refKeys.set(rs.ref, k);
  }
  return k;
}

/**
 * A condition whose status and reason did not change keeps its previous lastTransitionTime.
 * `unchanged` names statuses known to equal their previous version but for times that were "now"
 * (an incremental translator's reused routes): their previous stabilized status is the answer,
 * the same object, with no copy and no walk.
 */
export function stabilizeTransitions(previous: ResourceStatus[], next: ResourceStatus[], unchanged?: (rs: ResourceStatus) => boolean): ResourceStatus[] {
  const before = new Map(previous.map((rs) => [refKey(rs), rs]));
  return next.map((rs) => {
    const prev = before.get(refKey(rs));
    if (!prev) return rs;
    if (unchanged?.(rs)) return prev;
    const status = structuredClone(rs.status);
    keepTimes(prev.status, status);
    return { ...rs, status };
  });
}
