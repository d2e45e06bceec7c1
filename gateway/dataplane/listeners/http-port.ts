// How an HTTP(S) port picks the listener and the host bucket for a request, over the IR alone.
// The compiled port (compile.ts) and `portico explain` both build their tables here, so the
// answer explain gives is the one the data plane computes.
import type { HttpHostIR, ListenerIR, PortIR } from '../../ir/index.ts';
import { HostTable } from '../match/index.ts';

export type PortKind = 'http' | 'https' | undefined;

/**
 * HTTP and HTTPS listeners are compiled by compile.ts; TCP, UDP and TLS listeners by
 * compile-l4.ts (a port with TLS listeners gets its HTTPS side from compile.ts too).
 */
export function portKind(p: PortIR): PortKind {
  if (p.transport !== 'tcp') return undefined;
  if (p.listeners.some((l) => l.protocol === 'HTTPS')) return 'https';
  if (p.listeners.some((l) => l.protocol === 'HTTP')) return 'http';
  return undefined;
}

/** The listeners that serve HTTP on this port, most specific hostname first (the IR's order). */
export function httpListeners(p: PortIR): ListenerIR[] {
  const kind = portKind(p);
  if (kind === undefined) return [];
  const wanted = kind === 'https' ? 'HTTPS' : 'HTTP';
  return p.listeners.filter((l) => l.protocol === wanted);
}

/** Host (or SNI) → the most specific listener that owns it (listener isolation). */
export function listenerTable<T>(items: readonly T[], listener: (t: T) => ListenerIR): HostTable<T> {
  return new HostTable<T>(items.map((t) => [listener(t).hostname, t]));
}

/** Host → the bucket of rules for the most specific route hostname within one listener. */
export function hostBuckets<T>(l: ListenerIR, make: (h: HttpHostIR) => T): HostTable<T> {
  return new HostTable<T>((l.http ?? []).map((h) => [h.hostname, make(h)]));
}
