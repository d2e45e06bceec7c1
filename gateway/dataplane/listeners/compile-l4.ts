// Compiles the non-HTTP side of one PortIR: a TCP port (its one TCPRoute listener), a UDP port,
// or a TLS port where HTTPS, TLS-Passthrough and TLS-Terminate listeners share the socket and
// the ClientHello's SNI picks one of them, most specific hostname first (listener isolation).
import type { GatewayIR, ListenerIR, PortIR } from '../../ir/index.ts';
import { HostTable } from '../match/host-table.ts';
import type { SecureContextCache } from '../tls/contexts.ts';
import { compilePassthrough, type CompiledPassthrough } from '../l4/passthrough.ts';
import { compileTerminate, type CompiledTerminate } from '../l4/tls-terminate.ts';
import { compileL4Route, type CompiledL4Route } from '../l4/tcp-proxy.ts';
import type { CompiledUdp } from '../l4/udp-proxy.ts';
import type { ListenerFault } from '../api.ts';
import { listenerFault, type CompiledPort } from './compile.ts';

export type CompiledTlsListener =
  | { ir: ListenerIR; kind: 'https' }
  | { ir: ListenerIR; kind: 'passthrough'; passthrough: CompiledPassthrough }
  | { ir: ListenerIR; kind: 'terminate'; terminate: CompiledTerminate };

export interface CompiledTcpPort {
  kind: 'tcp';
  gateway: string;
  port: number;
  listener: ListenerIR;
  route: CompiledL4Route | undefined;
}

export interface CompiledTlsPort {
  kind: 'tls';
  gateway: string;
  port: number;
  /** SNI → the listener that owns it, across HTTPS and TLS listeners of the port. */
  byHost: HostTable<CompiledTlsListener>;
  /** The HTTPS side, when the port has HTTPS listeners: connections for them go to its server. */
  https: CompiledPort | undefined;
}

export interface CompiledUdpPort extends CompiledUdp {
  kind: 'udp';
}

/** A TCP port that has TLS listeners; HTTPS-only ports keep the plain TLS server. */
export function isTlsMuxPort(p: PortIR): boolean {
  return p.transport === 'tcp' && p.listeners.some((l) => l.protocol === 'TLS');
}

export function compileTcpPort(gw: GatewayIR, p: PortIR): CompiledTcpPort | undefined {
  const l = p.listeners.find((x) => x.protocol === 'TCP');
  if (l === undefined || p.transport !== 'tcp') return undefined;
  const first = l.l4?.[0];
  return { kind: 'tcp', gateway: gw.key, port: p.port, listener: l, route: first === undefined ? undefined : compileL4Route(first) };
}

export function compileUdpPort(gw: GatewayIR, p: PortIR): CompiledUdpPort | undefined {
  const l = p.listeners.find((x) => x.protocol === 'UDP');
  if (l === undefined || p.transport !== 'udp') return undefined;
  const first = l.l4?.[0];
  return { kind: 'udp', gateway: gw.key, port: p.port, listener: l, route: first === undefined ? undefined : compileL4Route(first) };
}

export function compileTlsPort(
  gw: GatewayIR, p: PortIR, https: CompiledPort | undefined, contexts: SecureContextCache, faults: ListenerFault[] = [],
): CompiledTlsPort {
  const entries: [string | undefined, CompiledTlsListener][] = [];
  // p.listeners is most specific first, so the HostTable keeps the owning listener per name.
  for (const l of p.listeners) {
    if (l.protocol === 'HTTPS') {
      if (https?.listeners.some((c) => c.ir === l)) entries.push([l.hostname, { ir: l, kind: 'https' }]);
    }
    else if (l.protocol === 'TLS' && l.tls?.mode === 'Passthrough') {
      entries.push([l.hostname, { ir: l, kind: 'passthrough', passthrough: compilePassthrough(l) }]);
    } else if (l.protocol === 'TLS') {
      try {
        entries.push([l.hostname, { ir: l, kind: 'terminate', terminate: compileTerminate(l, contexts) }]);
      } catch (err) {
        faults.push(listenerFault(gw, p.port, l, err));
      }
    }
  }
  return { kind: 'tls', gateway: gw.key, port: p.port, byHost: new HostTable(entries), https };
}
