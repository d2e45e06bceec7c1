// Pure helpers for status write-back: which entries of an atomic list are ours, and keeping
// the live lastTransitionTime of a condition whose status did not change (so a restarted
// replica does not rewrite every object just because its clock moved).

/** Decides whether a status.parents / status.ancestors entry is this process's to replace. */
export type OwnsEntry = (entry: any) => boolean;

/** Route `status.parents` / policy `status.ancestors`: entries not ours (other controllers', other replicas' Gateways), then ours. */
export function mergeOwnedEntries(live: unknown, desired: unknown, controllerName: string, owns: OwnsEntry = (e) => e?.controllerName === controllerName): Record<string, any>[] {
  const others = (Array.isArray(live) ? live : []).filter((e: any) => !owns(e));
  const ours = (Array.isArray(desired) ? desired : []).filter((e: any) => e?.controllerName === controllerName);
  return [...others, ...ours];
}

/**
 * With --gateway a process serves only some Gateways of its class, while another Deployment of
 * the same controller serves the rest (one Deployment per Gateway): an entry is this process's
 * only when its parentRef (or ancestorRef) is a served Gateway or a ListenerSet of one.
 * `listenerSetParent` maps "ns/name" of a ListenerSet to "ns/name" of its Gateway.
 */
export function ownsServedEntry(controllerName: string, served: ReadonlySet<string>, objectNamespace: string | undefined,
  listenerSetParent: (key: string) => string | undefined): OwnsEntry {
  return (e) => {
    if (e?.controllerName !== controllerName) return false;
    const ref = e.parentRef ?? e.ancestorRef;
    if (typeof ref?.name !== 'string') return false;
    if ((ref.group ?? 'gateway.networking.k8s.io') !== 'gateway.networking.k8s.io') return false;
    const key = `${ref.namespace ?? objectNamespace ?? ''}/${ref.name}`;
    const kind = ref.kind ?? 'Gateway';
    if (kind === 'Gateway') return served.has(key);
    if (kind === 'ListenerSet') { const gw = listenerSetParent(key); return gw !== undefined && served.has(gw); }
    return false;
  };
}

function entryKey(e: any): string | undefined {
  if (typeof e !== 'object' || e === null) return undefined;
  if (typeof e.type === 'string' && 'status' in e) return `condition:${e.type}`;
  if (e.parentRef) return `parent:${e.controllerName}:${JSON.stringify(e.parentRef)}`;
  if (e.ancestorRef) return `ancestor:${e.controllerName}:${JSON.stringify(e.ancestorRef)}`;
  if (typeof e.name === 'string') return `name:${e.name}`;
  return undefined;
}

/** Returns `desired` with lastTransitionTime taken from `live` wherever a condition kept its status. */
export function preserveTransitions<T>(desired: T, live: unknown): T {
  if (Array.isArray(desired)) {
    const byKey = new Map<string, unknown>();
    if (Array.isArray(live)) for (const l of live) { const k = entryKey(l); if (k) byKey.set(k, l); }
    return desired.map((d) => { const k = entryKey(d); return k && byKey.has(k) ? preserveTransitions(d, byKey.get(k)) : d; }) as T;
  }
  if (typeof desired !== 'object' || desired === null) return desired;
  const out: Record<string, unknown> = {};
  const l = (typeof live === 'object' && live !== null ? live : {}) as Record<string, any>;
  for (const [k, v] of Object.entries(desired)) out[k] = preserveTransitions(v, l[k]);
  const d = desired as Record<string, any>;
  if (typeof d.type === 'string' && typeof d.lastTransitionTime === 'string' && typeof l.lastTransitionTime === 'string' && l.status === d.status) {
    out.lastTransitionTime = l.lastTransitionTime;
  }
  return out as T;
}

/** Order-insensitive for object keys, order-sensitive for arrays (which is what the API stores). */
export function sameJson(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}

function canonical(x: unknown): string {
  if (Array.isArray(x)) return `[${x.map(canonical).join(',')}]`;
  if (typeof x === 'object' && x !== null) {
    return `{${Object.keys(x).filter((k) => (x as any)[k] !== undefined).sort().map((k) => `${JSON.stringify(k)}:${canonical((x as any)[k])}`).join(',')}}`;
  }
  return JSON.stringify(x ?? null);
}
