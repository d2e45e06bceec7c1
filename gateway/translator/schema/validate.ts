// validateObject(): what the API server would answer to a create of this object, as Problems.
// Order mirrors the server: pick the served version's schema, default, then structural checks,
// list-type uniqueness and the CEL rules, all on the defaulted object. `status` is dropped first:
// it is a subresource, so the server ignores it on create.
import type { ObjectRef, Problem } from '../api.ts';
import { walk, type WalkProblem } from './cel-walk.ts';
import { defaultValue } from './defaults.ts';
import { GATEWAY_GROUPS, kindSchemas, servedVersions, type Schema } from './schemas.ts';
import { structuralProblems } from './structural.ts';

interface Target {
  ref: ObjectRef;
  key: string;
  schema?: Schema;
  /** Set when the object names a version or kind the CRDs do not serve. */
  unserved?: Problem;
}

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.lastIndexOf('/');
  return slash < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

function target(obj: Record<string, unknown>): Target | undefined {
  if (typeof obj.apiVersion !== 'string' || typeof obj.kind !== 'string') return undefined;
  const { group, version } = splitApiVersion(obj.apiVersion);
  if (!GATEWAY_GROUPS.includes(group)) return undefined;
  const meta = (obj.metadata ?? {}) as Record<string, unknown>;
  const ref: ObjectRef = { group, kind: obj.kind, name: typeof meta.name === 'string' ? meta.name : '' };
  if (typeof meta.namespace === 'string') ref.namespace = meta.namespace;
  const key = `${group}/${obj.kind}/${version}`;
  const kind = kindSchemas(group, obj.kind);
  const schema = kind?.versions[version];
  if (schema) return { ref, key, schema };
  const served = servedVersions(group, obj.kind);
  const problem: Problem = {
    severity: 'error',
    ref,
    field: 'apiVersion',
    reason: 'Schema',
    message: `no matches for kind "${obj.kind}" in version "${obj.apiVersion}"`,
    fix: served.length > 0 ? `${obj.kind} is served at versions: ${served.join(', ')}` : `${group} has no kind ${obj.kind}`,
  };
  return { ref, key, unserved: problem };
}

function metadataProblems(obj: Record<string, unknown>): WalkProblem[] {
  const meta = obj.metadata as Record<string, unknown> | undefined;
  const out: WalkProblem[] = [];
  const name = meta?.name;
  if (typeof name !== 'string' || name === '') {
    if (typeof meta?.generateName !== 'string') out.push({ field: 'metadata.name', reason: 'Schema', message: 'Required value: name or generateName is required', fix: 'set metadata.name' });
  } else if (name.length > 253 || !DNS1123_SUBDOMAIN.test(name)) {
    out.push({
      field: 'metadata.name',
      reason: 'Schema',
      message: `Invalid value: ${JSON.stringify(name)}: a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character`,
      fix: 'use lower case letters, digits, - and .',
    });
  }
  const ns = meta?.namespace;
  if (typeof ns === 'string' && ns !== '' && (ns.length > 63 || !DNS1123_LABEL.test(ns))) {
    out.push({ field: 'metadata.namespace', reason: 'Schema', message: `Invalid value: ${JSON.stringify(ns)}: a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character`, fix: 'use lower case letters, digits and -' });
  }
  return out;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/**
 * The object with the CRD's structural defaults applied (a copy), as the API server stores it.
 * Objects outside the Gateway API groups, or of unserved versions, come back as plain copies.
 */
export function applyDefaults<T>(obj: T): T {
  const copy = structuredClone(obj);
  if (!isRecord(copy)) return copy;
  const t = target(copy);
  return t?.schema ? (defaultValue(copy, t.schema) as T) : copy;
}

/** The errors the API server would return for a create of `obj`; [] for non-Gateway-API objects. */
export function validateObject(obj: unknown): Problem[] {
  if (!isRecord(obj)) return [];
  const t = target(obj);
  if (!t) return [];
  if (t.unserved) return [t.unserved];
  const { status: _status, ...rest } = obj;
  // defaultValue() copies every node it defaults and never writes to its input: no clone needed.
  const defaulted = defaultValue(rest, t.schema) as Record<string, unknown>;
  const found: WalkProblem[] = metadataProblems(defaulted);
  for (const p of structuralProblems(t.key, t.schema!, defaulted)) found.push({ ...p, reason: 'Schema' });
  const broken = found.map((p) => p.field);
  walk(defaulted, t.schema, '', broken, found);
  return found.map((p) => {
    const problem: Problem = { severity: 'error', ref: t.ref, field: p.field, reason: p.reason, message: p.message };
    if (p.fix) problem.fix = p.fix;
    return problem;
  });
}
