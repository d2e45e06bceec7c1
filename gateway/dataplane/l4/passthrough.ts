// TLS passthrough: the SNI picks a host bucket of the listener (exact, then wildcard suffixes
// longest first, then "*"), the bucket's first (oldest) route wins, and the raw bytes — the
// peeked ClientHello included — go to its backend untouched.
import type { ListenerIR } from '../../ir/index.ts';
import { HostTable } from '../match/host-table.ts';
import { compileL4Route, type CompiledL4Route } from './tcp-proxy.ts';

export interface CompiledPassthrough {
  routes: HostTable<CompiledL4Route>;
}

export function compilePassthrough(l: ListenerIR): CompiledPassthrough {
  const entries: [string, CompiledL4Route][] = [];
  for (const b of l.passthrough ?? []) {
    const first = b.routes[0];
    if (first !== undefined) entries.push([b.hostname, compileL4Route(first)]);
  }
  return { routes: new HostTable(entries) };
}

/** The route for a server name ("" without SNI: only a "*" bucket can take it). */
export function passthroughRoute(p: CompiledPassthrough, serverName: string | undefined): CompiledL4Route | undefined {
  return p.routes.lookup(serverName ?? '');
}
