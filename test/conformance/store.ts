// A tiny stand-in for the API server's bookkeeping: the metadata it sets on write (uid,
// resourceVersion, creationTimestamp, generation) and the mutations the steps make.
import { randomUUID } from 'node:crypto';

export interface Obj {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; [k: string]: unknown };
  [k: string]: unknown;
}

const CLUSTER_SCOPED = new Set(['Namespace', 'GatewayClass', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition']);

export function isClusterScoped(kind: string): boolean {
  return CLUSTER_SCOPED.has(kind);
}

export function keyOf(kind: string, namespace: string | undefined, name: string): string {
  return `${kind}/${isClusterScoped(kind) ? '' : namespace ?? 'default'}/${name}`;
}

function groupOf(apiVersion: string): string {
  const i = apiVersion.indexOf('/');
  return i < 0 ? '' : apiVersion.slice(0, i);
}

function tracksGeneration(o: Obj): boolean {
  const g = groupOf(o.apiVersion);
  return g === 'gateway.networking.k8s.io' || g === 'gateway.networking.x-k8s.io' || g === 'apps';
}

/** Everything but metadata and status: a change there bumps generation. */
function specPart(o: Obj): string {
  const { metadata: _m, status: _s, ...rest } = o;
  return JSON.stringify(rest);
}

/** RFC 7386 JSON merge patch (lists replaced whole, null deletes). */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return structuredClone(patch);
  const out: Record<string, unknown> = target && typeof target === 'object' && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [k, v] of Object.entries(patch as Record<string, unknown>)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/** Sets a value at a path like `spec.rules[0].backendRefs[0].name`, creating objects on the way. */
export function setPath(obj: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.match(/[^.[\]]+/g) ?? [];
  let cur: any = obj;
  for (let i = 0; i < parts.length - 1; i++) {
    const k = /^\d+$/.test(parts[i]) ? Number(parts[i]) : parts[i];
    if (cur[k] == null) cur[k] = /^\d+$/.test(parts[i + 1]) ? [] : {};
    cur = cur[k];
  }
  const last = parts[parts.length - 1];
  cur[/^\d+$/.test(last) ? Number(last) : last] = structuredClone(value);
}

export class ObjectStore {
  private readonly objects = new Map<string, Obj>();
  private rv = 1000;

  constructor(private readonly now: () => Date = () => new Date()) {}

  get(kind: string, namespace: string | undefined, name: string): Obj | undefined {
    return this.objects.get(keyOf(kind, namespace, name));
  }

  list(): Obj[] {
    return [...this.objects.values()];
  }

  /** Create or replace (keeping the identity metadata an API server keeps). */
  put(input: Obj): Obj {
    const o = structuredClone(input);
    if (!isClusterScoped(o.kind) && !o.metadata.namespace) o.metadata.namespace = 'default';
    const key = keyOf(o.kind, o.metadata.namespace, o.metadata.name);
    const prev = this.objects.get(key);
    const md = o.metadata as Record<string, unknown>;
    md.resourceVersion = String(++this.rv);
    if (prev) {
      md.uid = prev.metadata.uid;
      md.creationTimestamp = prev.metadata.creationTimestamp;
      if (tracksGeneration(o)) {
        const g = Number(prev.metadata.generation ?? 1);
        md.generation = specPart(prev) === specPart(o) ? g : g + 1;
      }
      if (prev.status !== undefined && o.status === undefined) o.status = prev.status;
    } else {
      md.uid = randomUUID();
      md.creationTimestamp = this.now().toISOString().replace(/\.\d+Z$/, 'Z');
      if (tracksGeneration(o)) md.generation = 1;
    }
    this.objects.set(key, o);
    return o;
  }

  patch(kind: string, namespace: string | undefined, name: string, fn: (o: Obj) => Obj): Obj {
    const prev = this.get(kind, namespace, name);
    if (!prev) throw new Error(`patch: ${keyOf(kind, namespace, name)} not found`);
    return this.put(fn(structuredClone(prev)));
  }

  delete(kind: string, namespace: string | undefined, name: string): boolean {
    return this.objects.delete(keyOf(kind, namespace, name));
  }
}
