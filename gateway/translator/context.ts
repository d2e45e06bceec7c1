// Lookup indexes built once per translation, so every later step is a map lookup.
import type {
  ConfigMap, EndpointSlice, LabelSelector, Namespace, ReferenceGrant, Secret, Service, Snapshot,
} from '../model/index.ts';
import { GATEWAY_GROUP } from '../model/index.ts';
import type { Decisions, ObjectRef, Problem } from './api.ts';
import type { ConditionInput } from './conditions.ts';

export interface Context {
  snapshot: Snapshot;
  controllerName: string;
  now: string;
  namespaces: Map<string, Namespace>;
  services: Map<string, Service>;
  secrets: Map<string, Secret>;
  configMaps: Map<string, ConfigMap>;
  /** "namespace/service-name" → slices. */
  slices: Map<string, EndpointSlice[]>;
  /** grants by the namespace they live in (= the namespace of the referenced object). */
  grants: Map<string, ReferenceGrant[]>;
  problems: Problem[];
  /** Attachment and reference verdicts, recorded where they are made (see api.ts Decisions). */
  decisions: Decisions;
  /** "from#field" of every reference already recorded (a Gateway-wide CA ref is judged per listener). */
  noted: Set<string>;
}

function byKey<T extends { metadata: { namespace?: string; name: string } }>(items: T[]): Map<string, T> {
  const m = new Map<string, T>();
  for (const i of items) m.set(`${i.metadata.namespace ?? ''}/${i.metadata.name}`, i);
  return m;
}

export function buildContext(snapshot: Snapshot, controllerName: string, now: string): Context {
  const namespaces = new Map<string, Namespace>();
  for (const n of snapshot.namespaces) namespaces.set(n.metadata.name, n);
  const slices = new Map<string, EndpointSlice[]>();
  for (const s of snapshot.endpointSlices) {
    const svc = s.metadata.labels?.['kubernetes.io/service-name'];
    if (!svc) continue;
    const key = `${s.metadata.namespace}/${svc}`;
    const list = slices.get(key) ?? [];
    list.push(s);
    slices.set(key, list);
  }
  const grants = new Map<string, ReferenceGrant[]>();
  for (const g of snapshot.referenceGrants) {
    const ns = g.metadata.namespace ?? 'default';
    grants.set(ns, [...(grants.get(ns) ?? []), g]);
  }
  return {
    snapshot, controllerName, now, namespaces, slices, grants, problems: [],
    decisions: { parents: [], references: [] }, noted: new Set(),
    services: byKey(snapshot.services), secrets: byKey(snapshot.secrets), configMaps: byKey(snapshot.configMaps),
  };
}

export interface GrantFrom { group: string; kind: string; namespace: string }
export interface GrantTo { group: string; kind: string; namespace: string; name: string }

/**
 * The ReferenceGrant that allows a reference from an object in one namespace to an object in
 * another: it lives in the target's namespace, lists the source (group, kind, namespace) in
 * `from` and the target (group, kind, optional name) in `to`. undefined when none does.
 */
export function grantFor(ctx: Context, from: GrantFrom, to: GrantTo): ReferenceGrant | undefined {
  for (const g of ctx.grants.get(to.namespace) ?? []) {
    const fromOk = (g.spec?.from ?? []).some((f) => f.group === from.group && f.kind === from.kind && f.namespace === from.namespace);
    if (!fromOk) continue;
    const toOk = (g.spec?.to ?? []).some((t) => t.group === to.group && t.kind === to.kind && (!t.name || t.name === to.name));
    if (toOk) return g;
  }
  return undefined;
}

/** Is a reference allowed? Same namespace always is; otherwise a ReferenceGrant must allow it. */
export function referenceAllowed(ctx: Context, from: GrantFrom, to: GrantTo): boolean {
  return from.namespace === to.namespace || grantFor(ctx, from, to) !== undefined;
}

/**
 * Records the verdict on one reference (see Decisions): `problem` is the condition that made it
 * unusable, if any. Called once per reference, where it is resolved.
 */
export function noteReference(ctx: Context, from: ObjectRef & { namespace: string }, field: string, to: GrantTo, problem?: ConditionInput): void {
  const key = `${from.kind}/${from.namespace}/${from.name}#${field}`;
  if (ctx.noted.has(key)) return;
  ctx.noted.add(key);
  const same = from.namespace === to.namespace;
  const grant = same ? undefined : grantFor(ctx, from, to);
  ctx.decisions.references.push({
    from: { group: from.group, kind: from.kind, namespace: from.namespace, name: from.name },
    field,
    to: { group: to.group, kind: to.kind, namespace: to.namespace, name: to.name },
    permitted: same || grant !== undefined,
    ...(grant ? { grant: { namespace: grant.metadata.namespace ?? to.namespace, name: grant.metadata.name } } : {}),
    resolved: !problem,
    reason: problem?.reason ?? 'ResolvedRefs',
  });
}

export function namespaceLabels(ctx: Context, name: string): Record<string, string> {
  // The API server always sets kubernetes.io/metadata.name, even if the manifest does not.
  return { ...(ctx.namespaces.get(name)?.metadata.labels ?? {}), 'kubernetes.io/metadata.name': name };
}

export function selectorMatches(selector: LabelSelector | undefined, labels: Record<string, string>): boolean {
  if (!selector) return false;
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    const values = e.values ?? [];
    switch (e.operator) {
      case 'In': if (!has || !values.includes(labels[e.key])) return false; break;
      case 'NotIn': if (has && values.includes(labels[e.key])) return false; break;
      case 'Exists': if (!has) return false; break;
      case 'DoesNotExist': if (has) return false; break;
      default: return false;
    }
  }
  return true;
}

export { GATEWAY_GROUP };
