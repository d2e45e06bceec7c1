// Structural defaulting, as the API server applies it before validation: for every object node,
// each absent property whose schema has a `default` gets a deep copy of it, and the walk then
// continues into the (possibly just defaulted) values so nested defaults apply too. A null in a
// non-nullable field is pruned first (then defaulted), as the API server does.
import type { Schema } from './schemas.ts';

export function defaultValue(value: unknown, schema: Schema | undefined): unknown {
  if (!schema) return value;
  if (Array.isArray(value)) {
    return schema.items ? value.map((item) => defaultValue(item, schema.items)) : value.slice();
  }
  if (value === null || typeof value !== 'object') return value;
  const src = value as Record<string, unknown>;
  const out: Record<string, unknown> = { ...src };
  const props = schema.properties;
  if (props) {
    for (const [name, prop] of Object.entries(props)) {
      if (out[name] === null && !prop.nullable) delete out[name];
      if (out[name] === undefined && prop.default !== undefined) out[name] = structuredClone(prop.default);
      if (out[name] !== undefined) out[name] = defaultValue(out[name], prop);
    }
  }
  const extra = schema.additionalProperties;
  if (extra && typeof extra === 'object') {
    for (const k of Object.keys(out)) if (!props?.[k]) out[k] = defaultValue(out[k], extra);
  }
  return out;
}
