// TrafficPolicy loadBalancer: how one backend's endpoint is chosen, compiled once per rule.
// Round robin is the default rotation (balancer.ts); least request draws two endpoints and takes
// the one with fewer requests in flight from this process ("power of two choices", no global
// scan); consistent hash maps a header, cookie or the client address to a backend (by weight)
// and an endpoint by rendezvous hashing, so removing one endpoint moves only the keys that were
// on it. The hash depends on the key and the endpoint addresses only, never on per-process
// state: every worker and replica maps a key alike. Endpoints that active health checks found
// unhealthy are left out; one that outlier detection ejected is passed over for the key's next
// choice (its rank), the same next choice everywhere.
import type { BackendIR, EndpointIR, LoadBalancerIR } from '../../ir/index.ts';
import type { Exchange } from '../http/exchange.ts';
import { pickEndpoint } from './balancer.ts';
import { compileCookieKey } from './hash-cookie.ts';

/** `rank`: 0 for the first choice; a consistent hash returns its key's rank-th choice. */
export type EndpointPicker = (ex: Exchange, rank?: number) => EndpointIR | undefined;

/** The key a consistent hash hashes for one request (undefined: the request has none). */
export type HashKey = (ex: Exchange) => string | undefined;

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

/** The endpoint of `key`'s rank-th highest score (rank 0: its first choice). */
export function rendezvous(key: string, eps: readonly EndpointIR[], rank = 0): EndpointIR | undefined {
  if (rank > 0 && eps.length > 1) {
    const scored = eps.map((ep) => ({ ep, s: fnv1a(`${key}\u0000${epKey(ep)}`) })).sort((a, b) => b.s - a.s);
    return scored[rank % scored.length]!.ep;
  }
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

/** The key function of a consistent hash; undefined for the other balancers. */
export function compileHashKey(lb: LoadBalancerIR | undefined): HashKey | undefined {
  if (lb?.type !== 'ConsistentHash') return undefined;
  const on = lb.hashOn;
  switch (on.type) {
    case 'SourceIP': return (ex) => ex.clientAddress;
    case 'Header': {
      const name = on.name.toLowerCase();
      return (ex) => {
        const v = ex.headers[name];
        return v === undefined ? undefined : Array.isArray(v) ? v.join(',') : v;
      };
    }
    case 'Cookie': return compileCookieKey(on.name, on.issue);
  }
}

/**
 * Weighted rendezvous hashing over the rule's backends (each key's score is -ln(u)/weight, the
 * lowest wins): a key always reaches the same backend, and keys split by weight. Requests
 * without a key take `fallback` (the weighted rotation).
 */
export function hashedBackendPicker<T extends BackendIR>(backends: readonly T[], key: HashKey, fallback: () => T | undefined): (ex: Exchange) => T | undefined {
  const live = backends.filter((b) => b.weight > 0);
  if (live.length <= 1) return fallback;
  return (ex) => {
    const k = key(ex);
    if (k === undefined) return fallback();
    let best: T | undefined;
    let bestScore = Infinity;
    for (const b of live) {
      const u = (fnv1a(`${k}\u0000${b.id}`) + 0.5) / 4294967296;
      const score = -Math.log(u) / b.weight;
      if (score < bestScore) {
        bestScore = score;
        best = b;
      }
    }
    return best;
  };
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
export function compileEndpointPicker(backend: BackendIR, lb: LoadBalancerIR | undefined, set: EndpointSet | undefined, hashKey?: HashKey): EndpointPicker {
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
  const key = hashKey ?? compileHashKey(lb)!;
  const fallback = rotation();
  return (ex, rank = 0) => {
    const eps = all();
    const k = key(ex);
    // No key (no such header, or a cookie the policy does not issue): no affinity to keep, so spread the request.
    return k === undefined ? fallback(eps) : rendezvous(k, eps, rank);
  };
}
