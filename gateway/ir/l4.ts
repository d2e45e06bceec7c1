import type { BackendIR } from './backend.ts';

/** A TCPRoute, UDPRoute or TLSRoute as the data plane sees it: weighted backends. */
export interface L4RouteIR {
  /** "Kind/namespace/name". */
  route: string;
  /** Only the first rule of an L4 route carries backends (the spec allows one rule). */
  backends: BackendIR[];
}

/** TLSRoutes on a passthrough listener, bucketed by SNI hostname (exact or "*.suffix"). */
export interface TlsPassthroughHostIR {
  /** Exact or wildcard ("*.example.com") SNI; "*" when the route and listener set no hostname. */
  hostname: string;
  /** Oldest route first; the first one wins. */
  routes: L4RouteIR[];
}
