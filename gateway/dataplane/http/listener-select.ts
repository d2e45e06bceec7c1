// Listener isolation on a shared port: the request belongs to the most specific listener whose
// hostname matches its Host. On HTTPS the SNI already chose a listener (and its certificate);
// a Host owned by a different listener is a misdirected request (421, RFC 9110 15.5.20), as
// the HTTPRouteHTTPSListenerDetectMisdirectedRequests conformance case expects.
import type { CompiledListener, CompiledPort } from '../listeners/compile.ts';

export type ListenerChoice =
  | { kind: 'listener'; listener: CompiledListener }
  | { kind: 'misdirected' }
  | { kind: 'none' };

const none: ListenerChoice = { kind: 'none' };
const misdirected: ListenerChoice = { kind: 'misdirected' };

export function selectListener(port: CompiledPort, host: string, serverName: string | undefined): ListenerChoice {
  const byHost = port.byHost.lookup(host);
  if (port.scheme === 'https' && serverName) {
    const bySni = port.byHost.lookup(serverName.toLowerCase());
    if (bySni !== byHost) return misdirected;
  }
  return byHost === undefined ? none : { kind: 'listener', listener: byHost };
}
