// The metric names the shipped Grafana dashboard queries (panels and template variables).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

export const DASHBOARD = resolve(import.meta.dirname, '../../dashboards/portico-grafana.json');

/** Only a gateway reading a cluster (serve --kubernetes) has these; checked by serve-kubernetes.test.ts. */
export const KUBERNETES_ONLY = ['portico_watch_events_total', 'portico_watch_restarts_total', 'portico_status_writes_total', 'portico_leader'];

export function dashboardMetrics(): string[] {
  const d = JSON.parse(readFileSync(DASHBOARD, 'utf8'));
  const exprs: string[] = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v !== null && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if ((k === 'expr' || k === 'query' || k === 'definition') && typeof x === 'string') exprs.push(x);
        else walk(x);
      }
    }
  };
  walk(d);
  const names = new Set<string>();
  for (const e of exprs) for (const m of e.matchAll(/\b((?:portico|process|nodejs)_[a-z0-9_]+)\b/g)) names.add(m[1]!);
  return [...names].sort();
}
