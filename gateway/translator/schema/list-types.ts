// Kubernetes list-type semantics the schema declares: `set` items and `map` keys must be unique.
// The API server reports the later duplicate as "Duplicate value" at its index.
import type { Schema } from './schemas.ts';

export interface ListProblem {
  field: string;
  message: string;
  fix?: string;
}

// Items are compared by their JSON form with keys sorted, so {a,b} and {b,a} are one value.
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o).sort().map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

export function listTypeProblems(items: unknown[], schema: Schema, path: string): ListProblem[] {
  const type = schema['x-kubernetes-list-type'];
  if (type !== 'set' && type !== 'map') return [];
  const keys = schema['x-kubernetes-list-map-keys'] ?? [];
  const seen = new Set<string>();
  const out: ListProblem[] = [];
  items.forEach((item, i) => {
    let shown: string;
    if (type === 'map') {
      if (item === null || typeof item !== 'object') return;
      const o = item as Record<string, unknown>;
      // Key order follows x-kubernetes-list-map-keys, as the API server prints it.
      shown = `{${keys.map((k) => `${JSON.stringify(k)}:${JSON.stringify(o[k] ?? null)}`).join(',')}}`;
    } else shown = canonical(item);
    if (seen.has(shown)) {
      out.push({ field: `${path}[${i}]`, message: `Duplicate value: ${shown}`, fix: type === 'map' ? `${keys.join(', ')} must be unique in ${path}` : `remove the repeated value from ${path}` });
    } else seen.add(shown);
  });
  return out;
}
