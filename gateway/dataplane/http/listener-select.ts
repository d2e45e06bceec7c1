// Listener isolation on a shared port: the request belongs to the most specific listener whose
// hostname matches its Host. On HTTPS the SNI already chose a listener (and its certificate);
// a Host owned by a different listener is a misdirected request (421, RFC 9110 15.5.20), as
// the HTTPRouteHTTPSListenerDetectMisdirectedRequests conformance case expects.
// Generic over the listener type so `portico explain` runs this same selection over the IR.
import type { HostTable } from '../match/index.ts';

export type ListenerChoice<L> =
  | { kind: 'listener'; listener: L }
  | { kind: 'misdirected' }
  | { kind: 'none' };

const none = { kind: 'none' } as const;
const misdirected = { kind: 'misdirected' } as const;

export function selectListener<L>(port: { scheme: 'http' | 'https'; byHost: HostTable<L> }, host: string, serverName: string | undefined): ListenerChoice<L> {
  const byHost = port.byHost.lookup(host);
  if (port.scheme === 'https' && serverName) {
    const bySni = port.byHost.lookup(serverName.toLowerCase());
    if (bySni !== byHost) return misdirected;
  }
  return byHost === undefined ? none : { kind: 'listener', listener: byHost };
}
