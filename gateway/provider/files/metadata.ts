// Plays the API server's part for objects read from files: without it, status from a file
// run would not look like status from a cluster (observedGeneration, tie-breaks by age).
//   generation       1 at first sight, +1 when anything outside metadata/status changes
//   creationTimestamp the first time the object was seen, unless the file sets one
//   uid              random per object, stable while the object exists (unless the file sets one)
//   resourceVersion  a global counter, bumped whenever the object changes at all

const CLUSTER_SCOPED = new Set(['GatewayClass', 'Namespace']);

interface Seen {
  uid: string;
  creationTimestamp: string;
  generation: number;
  resourceVersion: string;
  specJson: string;
  fullJson: string;
}

export interface MetadataTracker {
  /** Fills in metadata on `objects` in place; forgets objects no longer present. */
  stamp(objects: Record<string, any>[], now: string): void;
  /** One object (a provider that stamps only what changed), then `retain` the ones still present. */
  stampOne(object: Record<string, any>, now: string): void;
  retain(ids: Set<string>): void;
}

/** JSON with object keys sorted: equal for objects that differ only in key order. */
export function stableJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined || typeof v === 'function' ? 'null' : stableJson(v))).join(',')}]`;
  const o = value as Record<string, unknown>;
  let out = '';
  for (const k of Object.keys(o).sort()) {
    const v = o[k];
    if (v === undefined || typeof v === 'function') continue;
    out += `${out === '' ? '' : ','}${JSON.stringify(k)}:${stableJson(v)}`;
  }
  return `{${out}}`;
}

function groupOf(apiVersion: unknown): string {
  const s = typeof apiVersion === 'string' ? apiVersion : '';
  const i = s.indexOf('/');
  return i < 0 ? '' : s.slice(0, i);
}

export function identityOf(o: Record<string, any>): string | undefined {
  const m = o.metadata;
  if (typeof o.kind !== 'string' || !m || typeof m.name !== 'string') return undefined;
  const ns = CLUSTER_SCOPED.has(o.kind) ? '' : (m.namespace ?? 'default');
  return `${groupOf(o.apiVersion)}/${o.kind}/${ns}/${m.name}`;
}

export function createMetadataTracker(newUid: () => string): MetadataTracker {
  const seen = new Map<string, Seen>();
  let version = 0;
  function stampOne(o: Record<string, any>, now: string): string | undefined {
    const id = identityOf(o);
    if (!id) return undefined;
    const { metadata, status: _status, ...rest } = o;
    const specJson = stableJson(rest);
    const { resourceVersion: _rv, generation: _g, uid: _u, creationTimestamp: _c, ...metaRest } = metadata;
    // What else can change (metadata but the server-set fields, status), appended to the spec's
    // JSON rather than serializing the spec twice; JSON has no raw newline, so "\n" separates.
    const fullJson = `${specJson}\n${stableJson(metaRest)}\n${stableJson(o.status)}`;
    const prev = seen.get(id);
    let entry: Seen;
    if (!prev) {
      entry = { uid: newUid(), creationTimestamp: now, generation: 1, resourceVersion: String(++version), specJson, fullJson };
    } else if (prev.fullJson === fullJson) {
      entry = prev;
    } else {
      entry = {
        ...prev,
        generation: prev.specJson === specJson ? prev.generation : prev.generation + 1,
        resourceVersion: String(++version),
        specJson,
        fullJson,
      };
    }
    seen.set(id, entry);
    metadata.uid ??= entry.uid;
    metadata.creationTimestamp ??= entry.creationTimestamp;
    // Like the API server, generation and resourceVersion are never taken from the input.
    metadata.generation = entry.generation;
    metadata.resourceVersion = entry.resourceVersion;
    return id;
  }
  function retain(ids: Set<string>): void {
    for (const id of seen.keys()) if (!ids.has(id)) seen.delete(id);
  }
  return {
    stampOne: (o, now) => { stampOne(o, now); },
    retain,
    stamp(objects, now) {
      const ids = new Set<string>();
      for (const o of objects) {
        const id = stampOne(o, now);
        if (id) ids.add(id);
      }
      retain(ids);
    },
  };
}
