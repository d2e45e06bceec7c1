// "Distinct listeners" (Gateway CRD, listeners docs): listeners sharing a port must differ by
// protocol-compatible hostname. Indistinct listeners of the Gateway are all Conflicted (no
// winner); ListenerSet listeners are merged after them in precedence order (the Gateway, then
// ListenerSets oldest first, then by namespace/name) and lose to any listener accepted before.
import { Reason } from './conditions.ts';
import { supports } from './features.ts';
import type { ListenerState } from './state.ts';

const SUPPORTED = new Set(['HTTP', 'HTTPS', 'TLS', 'TCP', 'UDP']);

function transport(l: ListenerState): 'tcp' | 'udp' {
  return l.spec.protocol === 'UDP' ? 'udp' : 'tcp';
}

function tlsMode(l: ListenerState): string {
  return l.spec.tls?.mode ?? 'Terminate';
}

/** Why two listeners cannot share their port, or undefined when they are distinct. */
export function conflictBetween(a: ListenerState, b: ListenerState): string | undefined {
  if (a.spec.port !== b.spec.port || transport(a) !== transport(b)) return undefined;
  const pa = a.spec.protocol, pb = b.spec.protocol;
  if (pa === 'TCP' || pb === 'TCP' || pa === 'UDP' || pb === 'UDP') return pa === pb ? Reason.HostnameConflict : Reason.ProtocolConflict;
  if (pa === 'HTTP' || pb === 'HTTP') {
    if (pa !== pb) return Reason.ProtocolConflict;
  } else if (pa === 'TLS' && pb === 'TLS' && tlsMode(a) !== tlsMode(b) && !supports('TLSRouteModeMixed')) {
    return Reason.ProtocolConflict;
  }
  return (a.ir.hostname ?? '') === (b.ir.hostname ?? '') ? Reason.HostnameConflict : undefined;
}

/**
 * Marks conflicted listeners. `groups` are the listener lists of each owner in precedence
 * order: the Gateway first, then its ListenerSets oldest first.
 */
export function markConflicts(groups: ListenerState[][]): void {
  const claimed: ListenerState[] = [];
  const label = (c: ListenerState) => `${c.listenerSet ? c.listenerSet.obj.metadata.name + '/' : ''}${c.spec.name}`;
  groups.forEach((group, g) => {
    const candidates = group.filter((l) => SUPPORTED.has(l.spec.protocol));
    const reasons = new Map<ListenerState, { reason: string; with: string }>();
    if (g === 0) {
      // The Gateway's own listeners: indistinct ones are all Conflicted (no winner among them).
      for (let i = 0; i < candidates.length; i++) {
        for (let j = i + 1; j < candidates.length; j++) {
          const r = conflictBetween(candidates[i], candidates[j]);
          if (!r) continue;
          if (!reasons.has(candidates[i])) reasons.set(candidates[i], { reason: r, with: candidates[j].spec.name });
          if (!reasons.has(candidates[j])) reasons.set(candidates[j], { reason: r, with: candidates[i].spec.name });
        }
      }
    }
    // A ListenerSet's listeners join the merged list one by one (ListenerSet CRD, spec.listeners:
    // parent Gateway first, then sets oldest first): each is Conflicted only by a listener that
    // was accepted before it, so a listener that lost does not take its siblings down.
    for (const l of candidates) {
      if (reasons.has(l)) continue;
      for (const c of claimed) {
        const r = conflictBetween(l, c);
        if (r) { reasons.set(l, { reason: r, with: label(c) }); break; }
      }
      if (g > 0 && !reasons.has(l) && l.accepted.status) claimed.push(l);
    }
    for (const l of candidates) {
      const r = reasons.get(l);
      if (!r) {
        l.conflicted = { type: 'Conflicted', status: false, reason: Reason.NoConflicts, message: 'No conflicts' };
        if (g === 0 && l.accepted.status) claimed.push(l);
        continue;
      }
      const what = r.reason === Reason.ProtocolConflict ? 'a protocol that cannot share the port' : 'the same hostname';
      const message = `listener "${l.spec.name}" has port ${l.spec.port} and ${what} as listener "${r.with}"; change the port or hostname`;
      l.conflicted = { type: 'Conflicted', status: true, reason: r.reason, message };
      l.accepted = { type: 'Accepted', status: false, reason: r.reason, message };
      l.supportedKinds = [];
    }
  });
}
