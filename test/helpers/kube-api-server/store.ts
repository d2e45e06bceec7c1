// The test API server's state: objects per resource, one global resourceVersion counter, an
// event log that watches replay from (compact() drops it, so older resourceVersions get 410),
// and the live watchers. Metadata is stamped the way an API server does it.
import { randomUUID } from 'node:crypto';
import { apiVersion, resourceForObject, type ApiResource } from './resources.ts';

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';
export interface StoredEvent { type: EventType; rv: number; res: ApiResource; object: Record<string, any> }
export interface Watcher { res: ApiResource; namespace?: string; selector: FieldSelector; send(type: EventType, obj: Record<string, any>): void }
export type FieldSelector = { key: string; value: string; negate: boolean }[];

export class ApiError extends Error {
  constructor(readonly code: number, readonly reason: string, message: string) { super(message); }
}

export function parseFieldSelector(s: string | null): FieldSelector {
  if (!s) return [];
  return s.split(',').filter(Boolean).map((term) => {
    const m = /^([^!=]+)(!=|==|=)(.*)$/.exec(term);
    if (!m) throw new ApiError(400, 'BadRequest', `invalid field selector ${term}`);
    return { key: m[1]!, value: m[3]!, negate: m[2] === '!=' };
  });
}

function fieldOf(obj: Record<string, any>, key: string): string {
  return String(key.split('.').reduce<any>((o, k) => (o == null ? undefined : o[k]), obj) ?? '');
}

export function matches(obj: Record<string, any>, namespace: string | undefined, sel: FieldSelector): boolean {
  if (namespace && obj.metadata.namespace !== namespace) return false;
  return sel.every((t) => (fieldOf(obj, t.key) === t.value) !== t.negate);
}

const keyOf = (res: ApiResource) => `${res.group}/${res.plural}`;
const nameKey = (ns: string | undefined, name: string) => `${ns ?? ''}/${name}`;
const specOf = (o: Record<string, any>) => JSON.stringify({ ...o, metadata: undefined, status: undefined });

export class Store {
  rv = 100;
  /** Watches from a resourceVersion below this get 410 Gone. */
  compactedRv = 0;
  readonly events: StoredEvent[] = [];
  readonly watchers = new Set<Watcher>();
  private readonly objects = new Map<string, Map<string, Record<string, any>>>();

  private bucket(res: ApiResource): Map<string, Record<string, any>> {
    let b = this.objects.get(keyOf(res));
    if (!b) this.objects.set(keyOf(res), (b = new Map()));
    return b;
  }

  get(res: ApiResource, namespace: string | undefined, name: string): Record<string, any> | undefined {
    const o = this.bucket(res).get(nameKey(res.namespaced ? namespace : undefined, name));
    return o && structuredClone(o);
  }

  list(res: ApiResource, namespace: string | undefined, sel: FieldSelector): Record<string, any>[] {
    return [...this.bucket(res).values()].filter((o) => matches(o, namespace, sel)).map((o) => structuredClone(o));
  }

  private record(type: EventType, res: ApiResource, obj: Record<string, any>): void {
    this.events.push({ type, rv: Number(obj.metadata.resourceVersion), res, object: structuredClone(obj) });
    for (const w of this.watchers) {
      if (w.res === res && matches(obj, w.namespace, w.selector)) w.send(type, structuredClone(obj));
    }
  }

  create(res: ApiResource, namespace: string | undefined, body: Record<string, any>): Record<string, any> {
    const name = body?.metadata?.name;
    if (!name) throw new ApiError(422, 'Invalid', 'metadata.name: Required value');
    const ns = res.namespaced ? (namespace ?? body.metadata.namespace ?? 'default') : undefined;
    if (this.bucket(res).has(nameKey(ns, name))) throw new ApiError(409, 'AlreadyExists', `${res.plural} "${name}" already exists`);
    const obj = structuredClone(body);
    obj.apiVersion = apiVersion(res);
    obj.kind = res.kind;
    obj.metadata = {
      ...obj.metadata, ...(ns ? { namespace: ns } : {}), uid: randomUUID(), generation: 1,
      resourceVersion: String(++this.rv), creationTimestamp: obj.metadata.creationTimestamp ?? new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    };
    this.bucket(res).set(nameKey(ns, name), obj);
    this.record('ADDED', res, obj);
    return structuredClone(obj);
  }

  /**
   * Replaces an object (or only its status), with optimistic concurrency when `body` carries a
   * resourceVersion. Spec changes bump metadata.generation; status writes never do.
   */
  update(res: ApiResource, namespace: string | undefined, name: string, body: Record<string, any>, part: 'main' | 'status', requireRv = true): Record<string, any> {
    const ns = res.namespaced ? namespace : undefined;
    const current = this.bucket(res).get(nameKey(ns, name));
    if (!current) throw new ApiError(404, 'NotFound', `${res.plural} "${name}" not found`);
    if (body?.metadata?.name && body.metadata.name !== name) throw new ApiError(400, 'BadRequest', 'the name of the object does not match the name in the URL');
    const rv = body?.metadata?.resourceVersion;
    if (requireRv && !rv && res.custom) throw new ApiError(422, 'Invalid', 'metadata.resourceVersion: Invalid value: 0x0: must be specified for an update');
    if (rv && rv !== current.metadata.resourceVersion) {
      throw new ApiError(409, 'Conflict', `Operation cannot be fulfilled on ${res.plural} "${name}": the object has been modified; please apply your changes to the latest version and try again`);
    }
    let next: Record<string, any>;
    if (part === 'status') next = { ...structuredClone(current), status: structuredClone(body.status) };
    else {
      next = { ...structuredClone(body), apiVersion: current.apiVersion, kind: current.kind, status: structuredClone(current.status) };
      next.metadata = { ...current.metadata, labels: body.metadata?.labels, annotations: body.metadata?.annotations };
      if (specOf(next) !== specOf(current)) next.metadata.generation = current.metadata.generation + 1;
    }
    if (next.status === undefined) delete next.status;
    if (JSON.stringify(next) === JSON.stringify(current)) return structuredClone(current);
    next.metadata = { ...next.metadata, resourceVersion: String(++this.rv) };
    this.bucket(res).set(nameKey(ns, name), next);
    this.record('MODIFIED', res, next);
    return structuredClone(next);
  }

  delete(res: ApiResource, namespace: string | undefined, name: string): Record<string, any> {
    const ns = res.namespaced ? namespace : undefined;
    const current = this.bucket(res).get(nameKey(ns, name));
    if (!current) throw new ApiError(404, 'NotFound', `${res.plural} "${name}" not found`);
    this.bucket(res).delete(nameKey(ns, name));
    const gone = { ...current, metadata: { ...current.metadata, resourceVersion: String(++this.rv) } };
    this.record('DELETED', res, gone);
    return gone;
  }

  /** Test side: create or replace an object whole (status included), no preconditions. */
  apply(obj: Record<string, any>): Record<string, any> {
    const res = resourceForObject(obj);
    if (!res) throw new Error(`the test API server does not serve ${obj.apiVersion} ${obj.kind}`);
    const ns = res.namespaced ? (obj.metadata.namespace ?? 'default') : undefined;
    if (!this.bucket(res).has(nameKey(ns, obj.metadata.name))) {
      const created = this.create(res, ns, { ...obj, status: undefined });
      return obj.status === undefined ? created : this.update(res, ns, obj.metadata.name, { status: obj.status }, 'status', false);
    }
    const main = this.update(res, ns, obj.metadata.name, { ...obj, metadata: { ...obj.metadata, resourceVersion: undefined } }, 'main', false);
    return obj.status === undefined ? main : this.update(res, ns, obj.metadata.name, { status: obj.status }, 'status', false);
  }

  /** Forget the event log: a watch from before the newest resourceVersion now gets 410 Gone. */
  compact(): void {
    this.compactedRv = this.rv;
    this.events.length = 0;
  }
}
