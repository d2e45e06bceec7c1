// Structural (OpenAPI v3) validation with ajv: types, enums, patterns, lengths, required, item
// counts, formats, and unknown fields (kubectl and Argo CD apply with strict field validation, so
// the API server refuses them). One compiled validator per group/kind/version, built on first use.
import { Ajv, type ErrorObject, type Options, type ValidateFunction } from 'ajv';
import { RE2JS } from 're2js';
import { isIPv4, isIPv6 } from './kube-cel.ts';
import type { Schema } from './schemas.ts';

export interface StructuralProblem {
  field: string;
  message: string;
  fix?: string;
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

// CRD `pattern`s are RE2 on the API server; running them on re2js keeps that dialect and keeps
// matching linear in the input, whatever a tenant puts in a field.
// ajv caches compiled patterns by their toString(), so each must print as its own pattern.
const re2Engine: NonNullable<NonNullable<Options['code']>['regExp']> = Object.assign(
  (pattern: string) => {
    const re = RE2JS.compile(pattern);
    return { test: (s: string) => re.matcher(s).find(), toString: () => `/${pattern}/` };
  },
  { code: 're2js' },
);

let ajv: Ajv | undefined;

function getAjv(): Ajv {
  if (!ajv) {
    ajv = new Ajv({ strict: false, allErrors: true, verbose: true, logger: false, validateSchema: false, code: { regExp: re2Engine } });
    // int32/int64 only document the width for clients; the API server does not range-check them.
    ajv.addFormat('int32', true);
    ajv.addFormat('int64', true);
    ajv.addFormat('date-time', (s: string) => RFC3339.test(s) && !Number.isNaN(Date.parse(s)));
    ajv.addFormat('ipv4', isIPv4);
    ajv.addFormat('ipv6', isIPv6);
  }
  return ajv;
}

// Makes a CRD schema say what the API server enforces implicitly: object nodes reject unknown
// fields unless they preserve them, and int-or-string accepts exactly an integer or a string.
function prepare(schema: Schema): Schema {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(schema)) {
    if (k === 'x-kubernetes-validations' || k === 'default' || k === 'enum') out[k] = v;
    else if (k === 'properties') out[k] = Object.fromEntries(Object.entries(v as Record<string, Schema>).map(([p, s]) => [p, prepare(s)]));
    else if (k === 'items' || k === 'not' || (k === 'additionalProperties' && typeof v === 'object')) out[k] = prepare(v as Schema);
    else if (k === 'anyOf' || k === 'oneOf' || k === 'allOf') out[k] = (v as Schema[]).map(prepare);
    else out[k] = v;
  }
  if (schema.type === 'object' && schema.properties && schema.additionalProperties === undefined && !schema['x-kubernetes-preserve-unknown-fields']) {
    out.additionalProperties = false;
  }
  if (schema['x-kubernetes-int-or-string'] && !schema.anyOf) out.anyOf = [{ type: 'integer' }, { type: 'string' }];
  return out as Schema;
}

const cache = new Map<string, ValidateFunction>();

function validatorFor(key: string, schema: Schema): ValidateFunction {
  let fn = cache.get(key);
  if (!fn) {
    fn = getAjv().compile(prepare(schema));
    cache.set(key, fn);
  }
  return fn;
}

/** "/spec/rules/0/matches" → "spec.rules[0].matches". */
export function toFieldPath(pointer: string): string {
  let out = '';
  for (const raw of pointer.split('/').slice(1)) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (/^\d+$/.test(seg)) out += `[${seg}]`;
    else out += out === '' ? seg : `.${seg}`;
  }
  return out;
}

const join = (base: string, name: string) => (base === '' ? name : `${base}.${name}`);
const show = (v: unknown) => JSON.stringify(v);

function describe(e: ErrorObject): StructuralProblem | undefined {
  const field = toFieldPath(e.instancePath);
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required':
      return { field: join(field, String(p.missingProperty)), message: 'Required value', fix: `set ${String(p.missingProperty)}` };
    case 'additionalProperties':
      return { field: join(field, String(p.additionalProperty)), message: `unknown field "${join(field, String(p.additionalProperty))}"`, fix: 'remove it or check its spelling against the CRD' };
    case 'enum': {
      const allowed = (p.allowedValues as unknown[]) ?? [];
      return {
        field,
        message: `Unsupported value: ${show(e.data)}: supported values: ${allowed.map(show).join(', ')}`,
        fix: `must be one of: ${allowed.join(', ')}`,
      };
    }
    case 'type':
      return { field, message: `Invalid value: ${show(e.data)}: must be of type ${String(p.type)}`, fix: `use a ${String(p.type)}` };
    case 'pattern':
      return { field, message: `Invalid value: ${show(e.data)}: should match '${String(p.pattern)}'`, fix: `must match ${String(p.pattern)}` };
    case 'format':
      // Kubernetes words format failures as types ("must be of type ipv4").
      return { field, message: `Invalid value: ${show(e.data)}: must be of type ${String(p.format)}`, fix: `use a valid ${String(p.format)} value` };
    case 'maxLength':
      return { field, message: `Too long: may not be more than ${String(p.limit)} bytes`, fix: `shorten it to at most ${String(p.limit)} characters` };
    case 'minLength':
      return { field, message: `Invalid value: ${show(e.data)}: should be at least ${String(p.limit)} chars long`, fix: `use at least ${String(p.limit)} characters` };
    case 'maxItems':
      return { field, message: `Too many: ${(e.data as unknown[]).length}: must have at most ${String(p.limit)} items`, fix: `keep at most ${String(p.limit)} items` };
    case 'minItems':
      return { field, message: `Invalid value: ${(e.data as unknown[]).length}: should have at least ${String(p.limit)} items`, fix: `add at least ${String(p.limit)} item(s)` };
    case 'maximum':
      return { field, message: `Invalid value: ${show(e.data)}: should be less than or equal to ${String(p.limit)}`, fix: `use a value of at most ${String(p.limit)}` };
    case 'minimum':
      return { field, message: `Invalid value: ${show(e.data)}: should be greater than or equal to ${String(p.limit)}`, fix: `use a value of at least ${String(p.limit)}` };
    case 'oneOf':
      return { field, message: `Invalid value: ${show(e.data)}: must validate one and only one schema (oneOf)` };
    case 'anyOf':
      return { field, message: `Invalid value: ${show(e.data)}: must validate at least one schema (anyOf)` };
    default:
      return { field, message: `Invalid value: ${show(e.data)}: ${e.message ?? e.keyword}` };
  }
}

// Errors from inside an anyOf/oneOf branch only explain why that branch did not match. Like the
// API server (go-openapi keeps the "best" failing branch), report the errors of the first branch
// that applies, skipping branches that fail on a discriminator (an enum/not on a property: the
// `type` of a GatewayAddress): an IPAddress with a bad value reports "must be of type ipv4".
const COMBINATOR_INTERNAL = /\/(anyOf|oneOf|not)\//;

const isWithinPointer = (p: string, under: string) => p === under || p.startsWith(`${under}/`);

function explain(e: ErrorObject, all: ErrorObject[]): StructuralProblem[] {
  const own = describe(e);
  if (e.keyword !== 'oneOf' && e.keyword !== 'anyOf') return own ? [own] : [];
  const prefix = `${e.schemaPath}/`;
  const branches = new Map<number, ErrorObject[]>();
  for (const x of all) {
    if (x === e || !x.schemaPath.startsWith(prefix) || !isWithinPointer(x.instancePath, e.instancePath)) continue;
    const idx = Number(x.schemaPath.slice(prefix.length).split('/')[0]);
    branches.set(idx, [...(branches.get(idx) ?? []), x]);
  }
  const ordered = [...branches.entries()].sort((a, b) => a[0] - b[0]);
  const applies = ordered.find(([, errs]) => !errs.some((x) => (x.keyword === 'not' || x.keyword === 'enum') && x.instancePath !== e.instancePath));
  if (!applies) return own ? [own] : [];
  const [idx, errs] = applies;
  const top = errs.filter((x) => !COMBINATOR_INTERNAL.test(x.schemaPath.slice(`${prefix}${idx}`.length)));
  const inner = top.flatMap((x) => explain(x, all));
  return inner.length > 0 ? inner : own ? [own] : [];
}

export function structuralProblems(key: string, schema: Schema, obj: unknown): StructuralProblem[] {
  const fn = validatorFor(key, schema);
  if (fn(obj)) return [];
  const errors = fn.errors ?? [];
  const out: StructuralProblem[] = [];
  const seen = new Set<string>();
  for (const e of errors) {
    if (COMBINATOR_INTERNAL.test(e.schemaPath)) continue;
    for (const p of explain(e, errors)) {
      const id = `${p.field}\u0000${p.message}`;
      if (seen.has(id)) continue;
      seen.add(id);
      out.push(p);
    }
  }
  return out;
}
