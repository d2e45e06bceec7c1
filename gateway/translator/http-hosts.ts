// Builds each HTTP listener's host buckets. Rules are collected per effective hostname, sorted
// by precedence, then each bucket is followed by the rules of the less specific buckets that
// also cover its hosts: the most specific hostname decides first, but a request that matches
// no rule there may still match a route attached with a broader hostname (spec: precedence
// applies across all rules whose hostname matches).
import type { HttpHostIR, HttpRuleIR } from '../ir/index.ts';
import { compareHostSpecificity, hostnameWithin } from './hostnames.ts';
import { sortRules } from './precedence.ts';

export class HostBuckets {
  private readonly buckets = new Map<string, HttpRuleIR[]>();

  add(hostname: string, rules: HttpRuleIR[]): void {
    const list = this.buckets.get(hostname) ?? [];
    list.push(...rules);
    this.buckets.set(hostname, list);
  }

  get size(): number {
    return this.buckets.size;
  }

  build(): HttpHostIR[] {
    const names = [...this.buckets.keys()].sort(compareHostSpecificity);
    const sorted = new Map(names.map((n) => [n, sortRules(this.buckets.get(n)!)]));
    return names.map((hostname) => {
      const rules = [...sorted.get(hostname)!];
      for (const broader of names) {
        if (broader !== hostname && compareHostSpecificity(hostname, broader) < 0 && hostnameWithin(hostname, broader)) {
          rules.push(...sorted.get(broader)!);
        }
      }
      return { hostname, rules };
    });
  }
}
