// Walks a (defaulted) object along its schema, bottom-up: each node is converted to a CEL value
// once, typed as the API server types it (integers are CEL ints, object fields are escaped like
// `__namespace__`), and the node's x-kubernetes-validations run with `self` bound to it. The same
// walk applies the list-type semantics (set / map keys must be unique).
import { isCelError, type CelInput } from '@bufbuild/cel';
import { compileRule } from './cel-rules.ts';
import { listTypeProblems } from './list-types.ts';
import type { Schema, ValidationRule } from './schemas.ts';

export interface WalkProblem {
  field: string;
  reason: 'CEL' | 'Schema';
  message: string;
  fix?: string;
}

// Kubernetes escapes property names that are CEL keywords or hold characters CEL identifiers
// cannot (apiserver/pkg/cel: escaping rules).
const CEL_RESERVED = new Set(['true', 'false', 'null', 'in', 'as', 'break', 'const', 'continue', 'else', 'for', 'function', 'if', 'import', 'let', 'loop', 'package', 'namespace', 'return', 'var', 'void', 'while']);

// Objects of one kind repeat the same few hundred property names: each is escaped once.
const ESCAPED = new Map<string, string>();

export function escapeProperty(name: string): string {
  let e = ESCAPED.get(name);
  if (e === undefined) {
    e = escapeName(name);
    if (ESCAPED.size < 10_000) ESCAPED.set(name, e);
  }
  return e;
}

function escapeName(name: string): string {
  if (CEL_RESERVED.has(name)) return `__${name}__`;
  if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) && !name.includes('__')) return name;
  return name
    .replace(/__/g, '__underscores__')
    .replace(/[^A-Za-z0-9_]/g, (c) => ({ '.': '__dot__', '-': '__dash__', '/': '__slash__' })[c] ?? `__${c.charCodeAt(0)}__`);
}

/** True when `path` is `under` or a field/item inside it. */
export const isWithin = (path: string, under: string) =>
  path === under || under === '' || path.startsWith(`${under}.`) || path.startsWith(`${under}[`);

const propPath = (base: string, name: string) => (base === '' ? name : `${base}.${name}`);

function message(rule: ValidationRule, self: CelInput): string {
  if (rule.messageExpression) {
    const out = compileRule(rule.messageExpression).run({ self });
    if (typeof out === 'string' && out.trim() !== '' && !out.includes('\n')) return out;
  }
  return rule.message ?? `failed rule: ${rule.rule}`;
}

// A rule's fieldPath is relative to the node (".foo.bar" or ".foo['bar']").
function ruleField(base: string, rule: ValidationRule): string {
  if (!rule.fieldPath) return base;
  const rel = rule.fieldPath.replace(/^\./, '');
  return base === '' ? rel : rel.startsWith('[') ? base + rel : `${base}.${rel}`;
}

export function walk(value: unknown, schema: Schema | undefined, path: string, brokenPaths: readonly string[], out: WalkProblem[]): CelInput {
  const self = convert(value, schema, path, brokenPaths, out);
  const rules = schema?.['x-kubernetes-validations'];
  if (rules && value !== null && value !== undefined) {
    for (const rule of rules) {
      const compiled = compileRule(rule.rule);
      if (compiled.transition) continue; // needs the old object: only meaningful on update
      const result = compiled.run({ self });
      if (result === true) continue;
      if (isCelError(result)) {
        // A rule reading a field that is already structurally wrong would only echo that error.
        if (brokenPaths.some((p) => isWithin(p, path))) continue;
        out.push({ field: ruleField(path, rule), reason: 'CEL', message: message(rule, self), fix: `the rule could not be evaluated (${result.message}): set the fields it reads` });
        continue;
      }
      out.push({ field: ruleField(path, rule), reason: 'CEL', message: message(rule, self) });
    }
  }
  return self;
}

function convert(value: unknown, schema: Schema | undefined, path: string, broken: readonly string[], out: WalkProblem[]): CelInput {
  if (value === null || value === undefined) return null;
  if (Array.isArray(value)) {
    if (schema) for (const p of listTypeProblems(value, schema, path)) out.push({ ...p, reason: 'Schema' });
    return value.map((item, i) => walk(item, schema?.items, `${path}[${i}]`, broken, out));
  }
  if (typeof value === 'object') {
    const map = new Map<string, CelInput>();
    const props = schema?.properties;
    const extra = typeof schema?.additionalProperties === 'object' ? schema.additionalProperties : undefined;
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (props?.[k]) map.set(escapeProperty(k), walk(v, props[k], propPath(path, k), broken, out));
      else if (props) continue; // unknown field: reported structurally, invisible to rules (pruned)
      else map.set(k, walk(v, extra, `${path}[${JSON.stringify(k)}]`, broken, out));
    }
    return map;
  }
  if (typeof value === 'number') {
    const t = schema?.type;
    const intish = t === 'integer' || (t === undefined && schema?.['x-kubernetes-int-or-string']) || (t === undefined && Number.isInteger(value));
    return intish && Number.isInteger(value) ? BigInt(value) : value;
  }
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  return null;
}
