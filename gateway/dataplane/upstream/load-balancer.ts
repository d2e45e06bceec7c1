// TrafficPolicy loadBalancer: how one backend's endpoint is chosen, compiled once per rule.
// Round robin is the default rotation (balancer.ts); least request draws two endpoints and takes
// the one with fewer requests in flight from this process ("power of two choices", no global
// scan); consistent hash maps a header, cookie or the client address to an endpoint by
// rendezvous hashing, so removing one endpoint moves only the keys that were on it.
// Endpoints that active health checks found unhealthy are left out.
import type { BackendIR, EndpointIR, LoadBalancerIR } from '../../ir/index.ts';
import type { Exchange } from '../http/exchange.ts';
import { pickEndpoint } from './balancer.ts';

export type EndpointPicker = (ex: Exchange) => EndpointIR | undefined;

/** The endpoints to balance over: all of them, or those health checks currently pass. */
export type EndpointSet = () => readonly EndpointIR[];

const inFlight = new Map<string, number>();

function epKey(ep: EndpointIR): string {
  return `${ep.address}|${ep.port}`;
}

/** Counts a request in flight to an endpoint (least request); call the result when it ends. */
export function trackRequest(ep: EndpointIR): () => void {
  const k = epKey(ep);
  inFlight.set(k, (inFlight.get(k) ?? 0) + 1);
  return () => {
    const n = (inFlight.get(k) ?? 1) - 1;
    if (n <= 0) inFlight.delete(k);
    else inFlight.set(k, n);
  };
}

export function requestsInFlight(ep: EndpointIR): number {
  return inFlight.get(epKey(ep)) ?? 0;
}

/** FNV-1a, 32 bits: a fast, well-spread hash for rendezvous scores (not a security boundary). */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  // Final avalanche (murmur3 fmix32) so keys that differ in the last character spread too.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export function rendezvous(key: string, eps: readonly EndpointIR[]): EndpointIR | undefined {
  let best: EndpointIR | undefined;
  let bestScore = -1;
  for (const ep of eps) {
    const s = fnv1a(`${key}\u0000${epKey(ep)}`);
    if (s > bestScore) {
      bestScore = s;
      best = ep;
    }
  }
  return best;
}

function cookie(header: string | string[] | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const line of Array.isArray(header) ? header : [header]) {
    for (const part of line.split(';')) {
      const eq = part.indexOf('=');
      if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
    }
  }
  return undefined;
}

function hashKey(on: Extract<LoadBalancerIR, { type: 'ConsistentHash' }>['hashOn']): (ex: Exchange) => string | undefined {
  switch (on.type) {
    case 'SourceIP': return (ex) => ex.clientAddress;
    case 'Header': {
      const name = on.name.toLowerCase();
      return (ex) => {
        const v = ex.headers[name];
        return v === undefined ? undefined : Array.isArray(v) ? v.join(',') : v;
      };
    }
    case 'Cookie': return (ex) => cookie(ex.headers['cookie'], on.name);
  }
}

// Round robin over a filtered list keeps its own cursor (the shared one counts all endpoints).
function rotation(): (eps: readonly EndpointIR[]) => EndpointIR | undefined {
  let i = 0;
  return (eps) => {
    if (eps.length === 0) return undefined;
    if (i >= eps.length) i = 0;
    return eps[i++];
  };
}

/**
 * The endpoint picker of one backend. Without a policy and without health checks it is the
 * shared rotation (balancer.ts), so existing behaviour and its cost are unchanged.
 */
export function compileEndpointPicker(backend: BackendIR, lb: LoadBalancerIR | undefined, set: EndpointSet | undefined): EndpointPicker {
  const type = lb?.type ?? 'RoundRobin';
  const all: EndpointSet = set ?? (() => backend.endpoints);
  if (type === 'RoundRobin') {
    if (set === undefined) return () => pickEndpoint(backend);
    const next = rotation();
    return () => next(all());
  }
  if (type === 'LeastRequest') {
    return () => {
      const eps = all();
      const n = eps.length;
      if (n <= 1) return eps[0];
      const a = eps[Math.floor(Math.random() * n)]!;
      let b = eps[Math.floor(Math.random() * (n - 1))]!;
      if (b === a) b = eps[n - 1]!;
      return requestsInFlight(b) < requestsInFlight(a) ? b : a;
    };
  }
  const key = hashKey((lb as Extract<LoadBalancerIR, { type: 'ConsistentHash' }>).hashOn);
  const fallback = rotation();
  return (ex) => {
    const eps = all();
    const k = key(ex);
    // No key (no such header or cookie): no affinity to keep, so spread the request.
    return k === undefined ? fallback(eps) : rendezvous(k, eps);
  };
}
