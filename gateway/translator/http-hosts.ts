// Builds each HTTP listener's host buckets. Rules are collected per effective hostname, sorted
// by precedence, then each bucket is followed by the rules of the less specific buckets that
// also cover its hosts: the most specific hostname decides first, but a request that matches
// no rule there may still match a route attached with a broader hostname (spec: precedence
// applies across all rules whose hostname matches).
import type { HttpHostIR, HttpRuleIR } from '../ir/index.ts';
import { compareHostSpecificity, hostnameWithin, isWildcard } from './hostnames.ts';
import { sortRules } from './precedence.ts';

/**
 * What one build produced, for the next build of the same listener (incremental translation):
 * a bucket whose rules are the same objects keeps its sorted list, and a host whose sorted lists
 * are all unchanged keeps its HttpHostIR object (identity tells the data plane it is unchanged).
 */
export interface HostCache {
  buckets: Map<string, { input: HttpRuleIR[]; sorted: HttpRuleIR[] }>;
  hosts: Map<string, { parts: HttpRuleIR[][]; host: HttpHostIR }>;
  /** The hostnames in specificity order. */
  names?: string[];
}

/**
 * The hostnames in specificity order: the previous order with the few names that came and went
 * inserted and removed (compareHostSpecificity is a total order, so this equals a fresh sort).
 */
function orderedNames(keys: Map<string, unknown>, cache: HostCache | undefined): string[] {
  const prev = cache?.names;
  if (!prev) return [...keys.keys()].sort(compareHostSpecificity);
  const added: string[] = [];
  for (const k of keys.keys()) if (!cache!.buckets.has(k)) added.push(k);
  const removed = prev.length + added.length - keys.size;
  if (added.length + removed > 64) return [...keys.keys()].sort(compareHostSpecificity);
  const names = removed > 0 ? prev.filter((n) => keys.has(n)) : [...prev];
  for (const n of added) {
    let lo = 0, hi = names.length;
    while (lo < hi) { const mid = (lo + hi) >>> 1; if (compareHostSpecificity(names[mid]!, n) < 0) lo = mid + 1; else hi = mid; }
    names.splice(lo, 0, n);
  }
  return names;
}

function sameItems<T>(a: readonly T[], b: readonly T[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export class HostBuckets {
  private readonly buckets = new Map<string, HttpRuleIR[]>();

  add(hostname: string, rules: HttpRuleIR[]): void {
    const list = this.buckets.get(hostname);
    if (list) list.push(...rules);
    else this.buckets.set(hostname, [...rules]);
  }

  get size(): number {
    return this.buckets.size;
  }

  /** With `cache`, reuses what the previous build of this listener left there and refills it. */
  build(cache?: HostCache): HttpHostIR[] {
    const names = orderedNames(this.buckets, cache);
    const sorted = new Map<string, HttpRuleIR[]>();
    const buckets: HostCache['buckets'] = new Map();
    for (const n of names) {
      const input = this.buckets.get(n)!;
      const prev = cache?.buckets.get(n);
      const s = prev && sameItems(prev.input, input) ? prev.sorted : sortRules(input);
      sorted.set(n, s);
      buckets.set(n, { input, sorted: s });
    }
    // Only "*" and wildcards can cover another hostname (hostnameWithin), so only they are
    // candidates: with thousands of exact hostnames this keeps the build linear.
    const broad = names.filter((n) => n === '*' || isWildcard(n));
    const hosts: HostCache['hosts'] = new Map();
    const out = names.map((hostname) => {
      const parts = [sorted.get(hostname)!];
      for (const broader of broad) {
        if (broader !== hostname && compareHostSpecificity(hostname, broader) < 0 && hostnameWithin(hostname, broader)) {
          parts.push(sorted.get(broader)!);
        }
      }
      const prev = cache?.hosts.get(hostname);
      const host = prev && sameItems(prev.parts, parts) ? prev.host : { hostname, rules: parts.length === 1 ? [...parts[0]!] : parts.flat() };
      hosts.set(hostname, { parts, host });
      return host;
    });
    if (cache) { cache.buckets = buckets; cache.hosts = hosts; cache.names = names; }
    return out;
  }
}
