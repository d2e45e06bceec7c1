// Mid-test mutations (FORMAT.md "steps"), applied to the runner's objects and re-written atomically.
import type { StepSpec } from './case-types.ts';
import { expandAddresses } from './placeholders.ts';
import { decodedData } from './pods.ts';
import { mergePatch, type Obj, setPath } from './store.ts';
import { readManifest, type World } from './world.ts';

/** Replaces `{"$valueFrom": {kind, namespace, name, key}}` with the referenced data value. */
export function resolveValueFrom(v: unknown, lookup: (kind: string, ns: string, name: string, key: string) => string | undefined): unknown {
  if (Array.isArray(v)) return v.map((x) => resolveValueFrom(x, lookup));
  if (!v || typeof v !== 'object') return v;
  const o = v as Record<string, any>;
  if (o.$valueFrom) {
    const r = o.$valueFrom;
    const value = lookup(r.kind, r.namespace, r.name, r.key);
    if (value === undefined) throw new Error(`$valueFrom ${r.kind} ${r.namespace}/${r.name}[${r.key}] not found`);
    return value;
  }
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(o)) out[k] = resolveValueFrom(x, lookup);
  return out;
}

export async function applyStep(world: World, step: StepSpec): Promise<void> {
  // The wait comes first, as upstream's time.Sleep comes before the objects it creates: creationTimestamp
  // has second precision, so only a wait before the create makes the new objects strictly newer
  // than everything before the step. (Waiting after it let a route created in the same second as
  // an older one tie with it, and the spec's tie-break, "{namespace}/{name}" alphabetical, then
  // made tcproute-attach-newer the oldest: TCPRouteMultipleRoutesAttachment failed one run in three.)
  if (step.delaySeconds) await world.clock.sleep(step.delaySeconds * 1000);
  const put = (o: Obj) => {
    const prepared = world.prepare(o);
    world.store.put(prepared);
    world.files.set(`${prepared.kind}/${prepared.kind === 'Namespace' || prepared.kind === 'GatewayClass' ? '' : prepared.metadata.namespace ?? 'default'}/${prepared.metadata.name}`, '10-manifests.yaml');
  };
  for (const f of step.apply ?? []) for (const o of readManifest(world.opts.manifestsRoot, f)) put(o);
  const lookup = (kind: string, ns: string, name: string, key: string) => {
    const d = decodedData(world.store.get(kind, ns, name));
    return d?.[key];
  };
  for (const c of step.create ?? []) put(resolveValueFrom(c, lookup) as Obj);
  for (const p of step.patch ?? []) {
    world.store.patch(p.kind, p.namespace, p.name, (o) => {
      let out = o;
      if (p.mergePatch !== undefined) out = mergePatch(out, resolveValueFrom(p.mergePatch, lookup)) as Obj;
      for (const [path, v] of Object.entries(p.set ?? {})) setPath(out, path, resolveValueFrom(v, lookup));
      if (out.kind === 'Gateway' && Array.isArray((out.spec as any)?.addresses)) (out.spec as any).addresses = expandAddresses((out.spec as any).addresses, world.opts);
      return out;
    });
  }
  for (const d of step.delete ?? []) world.store.delete(d.kind, d.namespace, d.name);
  for (const s of step.setEndpoints ?? []) {
    const family = s.addressFamily ?? 'IPv4';
    const pods = world.pods.filter((p) => p.namespace === (s.endpointsOf.namespace ?? s.namespace) && p.deployment === s.endpointsOf.name);
    // Pods only have IPv4 loopback addresses: a slice of another family is left untouched, as upstream does.
    if (family !== 'IPv4' || pods.length === 0) continue;
    world.store.patch('EndpointSlice', s.namespace, s.name, (o) => ({
      ...o,
      endpoints: pods.map((p) => ({ addresses: [p.ip], conditions: { ready: true, serving: true, terminating: false }, targetRef: { kind: 'Pod', name: p.name, namespace: p.namespace } })),
    }));
  }
  world.write();
}
