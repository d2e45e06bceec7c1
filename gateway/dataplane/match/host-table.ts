// Hostname → value lookup with the Gateway API's wildcard rules: an exact name first, then
// "*.suffix" patterns longest suffix first (a wildcard matches one or more labels), then "*" /
// no hostname. The first pattern that exists decides: there is no fall-through.
export class HostTable<T> {
  private readonly exact = new Map<string, T>();
  private readonly wild = new Map<string, T>();
  private any: T | undefined;

  /** Entries in precedence order: for duplicates the first one is kept. */
  constructor(entries: Iterable<[pattern: string | undefined, value: T]>) {
    for (const [pattern, value] of entries) {
      if (pattern === undefined || pattern === '' || pattern === '*') {
        if (this.any === undefined) this.any = value;
      } else if (pattern.startsWith('*.')) {
        const suffix = pattern.slice(1).toLowerCase();
        if (!this.wild.has(suffix)) this.wild.set(suffix, value);
      } else {
        const host = pattern.toLowerCase();
        if (!this.exact.has(host)) this.exact.set(host, value);
      }
    }
  }

  /** `host` must already be lower-case and without a port. */
  lookup(host: string): T | undefined {
    const e = this.exact.get(host);
    if (e !== undefined) return e;
    if (this.wild.size > 0) {
      // ".b.example.com" before ".example.com": the longest suffix is the most specific.
      for (let i = host.indexOf('.'); i > 0; i = host.indexOf('.', i + 1)) {
        const w = this.wild.get(host.slice(i));
        if (w !== undefined) return w;
      }
    }
    return this.any;
  }
}
