// v8.deserialize() gives every string value its own copy: a table of 10,000 routes arrives with
// 10,000 copies of "bench", "Service:bench/origin:8080", "127.0.0.1", "PathPrefix", ... (about
// 4 MiB per worker, measured on the bench's 10,000-route table). Walking the decoded table once and
// pointing every equal string at one instance lets the duplicates go. Pure, in place: objects keep
// their identity (shared sub-objects stay shared, which the data plane relies on), and anything
// that is not a plain object, an array or a string (Uint8Array, Date, ...) is left as it is.

/** Makes equal string values of `root` one instance; returns `root`. */
export function shareStrings<T>(root: T): T {
  const canonical = new Map<string, string>();
  const seen = new Set<object>();
  const share = (s: string): string => {
    const c = canonical.get(s);
    if (c !== undefined) return c;
    canonical.set(s, s);
    return s;
  };
  // An explicit stack: the IR nests a few levels only, but nothing here should depend on it.
  const stack: object[] = [];
  const visit = (v: unknown): void => {
    if (v !== null && typeof v === 'object' && !seen.has(v)) {
      seen.add(v);
      stack.push(v);
    }
  };
  visit(root);
  while (stack.length > 0) {
    const o = stack.pop()!;
    if (Array.isArray(o)) {
      for (let i = 0; i < o.length; i++) {
        const v: unknown = o[i];
        if (typeof v === 'string') o[i] = share(v);
        else visit(v);
      }
      continue;
    }
    const proto = Object.getPrototypeOf(o);
    if (proto !== Object.prototype && proto !== null) continue;
    const rec = o as Record<string, unknown>;
    for (const k of Object.keys(rec)) {
      const v = rec[k];
      if (typeof v === 'string') rec[k] = share(v);
      else visit(v);
    }
  }
  return root;
}
