// Hostname matching as the spec defines it: "*.example.com" matches any host with at least one
// more label ("a.example.com", "a.b.example.com") but not "example.com" itself.

export function isWildcard(h: string): boolean {
  return h.startsWith('*.');
}

/** Does the pattern (exact or wildcard) match the concrete host? */
export function hostMatches(pattern: string, host: string): boolean {
  if (!isWildcard(pattern)) return pattern === host;
  const suffix = pattern.slice(1); // ".example.com"
  return host.length > suffix.length && host.endsWith(suffix);
}

/**
 * The hostnames a route effectively serves on a listener: the intersection of the listener's
 * hostname and the route's hostnames, each result being the more specific of the pair.
 * Returns [] when nothing intersects; ["*"] when neither side restricts the host.
 */
export function intersectHostnames(listener: string | undefined, route: string[] | undefined): string[] {
  const routes = route ?? [];
  if (!listener) return routes.length === 0 ? ['*'] : dedupe(routes.map((h) => h.toLowerCase()));
  const l = listener.toLowerCase();
  if (routes.length === 0) return [l];
  const out: string[] = [];
  for (const raw of routes) {
    const r = raw.toLowerCase();
    if (!isWildcard(r) && !isWildcard(l)) { if (r === l) out.push(r); continue; }
    if (!isWildcard(r)) { if (hostMatches(l, r)) out.push(r); continue; }
    if (!isWildcard(l)) { if (hostMatches(r, l)) out.push(l); continue; }
    // both wildcards: the longer one is the intersection when it lies within the shorter
    if (r === l) out.push(r);
    else if (r.length > l.length ? r.endsWith(l.slice(1)) : false) out.push(r);
    else if (l.length > r.length && l.endsWith(r.slice(1))) out.push(l);
  }
  return dedupe(out);
}

function dedupe(xs: string[]): string[] {
  return [...new Set(xs)];
}

/**
 * Specificity order for hostname patterns, most specific first: exact hosts, then wildcards
 * with more characters, then "*" / no hostname. Ties broken alphabetically for determinism.
 */
export function compareHostSpecificity(a: string | undefined, b: string | undefined): number {
  const ra = rank(a), rb = rank(b);
  if (ra !== rb) return rb - ra;
  const la = (a ?? '').length, lb = (b ?? '').length;
  if (la !== lb) return lb - la;
  return (a ?? '') < (b ?? '') ? -1 : (a ?? '') > (b ?? '') ? 1 : 0;
}

function rank(h: string | undefined): number {
  if (!h || h === '*') return 0;
  return isWildcard(h) ? 1 : 2;
}

/** Does every host matched by `inner` also match `outer`? (a ⊆ b for hostname patterns) */
export function hostnameWithin(inner: string, outer: string): boolean {
  if (outer === '*') return true;
  if (inner === '*') return false;
  if (!isWildcard(inner)) return hostMatches(outer, inner);
  if (!isWildcard(outer)) return false;
  return inner === outer || inner.endsWith(outer.slice(1));
}
