// OverlappingTLSConfig (Listener condition, Gateway API v1.6.1): listeners that terminate TLS on
// one port with overlapping hostnames ("foo.example.com" and "*.example.com", or any hostname and
// none) let an HTTP/2 client reuse a connection for a host the other listener owns. The spec says
// controllers MUST detect overlapping hostnames and set the condition, True only (negative
// polarity), on every such listener. Portico still serves them: the SNI picks the most specific
// listener and a misdirected request gets 421.
import { hostnameWithin } from './hostnames.ts';
import type { GatewayState, ListenerState } from './state.ts';

function terminatesTls(l: ListenerState): boolean {
  return l.spec.protocol === 'HTTPS' || (l.spec.protocol === 'TLS' && (l.spec.tls?.mode ?? 'Terminate') === 'Terminate');
}

/** Two listener hostnames (undefined = every host) share at least one host. */
export function hostnamesOverlap(a: string | undefined, b: string | undefined): boolean {
  const x = (a ?? '*').toLowerCase(), y = (b ?? '*').toLowerCase();
  return hostnameWithin(x, y) || hostnameWithin(y, x);
}

/** Sets `overlappingTls` on the accepted TLS-terminating listeners of a Gateway (and its ListenerSets) that overlap. */
export function markTlsOverlaps(gw: GatewayState): void {
  const candidates = [gw.listeners, ...gw.listenerSets.filter((s) => s.accepted.status).map((s) => s.listeners)]
    .flat().filter((l) => l.accepted.status && terminatesTls(l));
  for (const l of candidates) {
    const others = candidates.filter((o) => o !== l && o.spec.port === l.spec.port && hostnamesOverlap(o.spec.hostname, l.spec.hostname));
    if (others.length === 0) continue;
    l.overlappingTls = {
      type: 'OverlappingTLSConfig', status: true, reason: 'OverlappingHostnames',
      message: `hostname ${l.spec.hostname ?? '(any)'} overlaps listener(s) ${others.map((o) => `${o.spec.name} (${o.spec.hostname ?? 'any'})`).join(', ')} on port ${l.spec.port}: an HTTP/2 client may reuse a connection across them (misdirected requests get 421)`,
    };
  }
}
