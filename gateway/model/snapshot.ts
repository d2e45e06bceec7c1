// A Snapshot is every object the translator looks at, one list per kind, in the
// deterministic order the spec's tie-breaks need (oldest first, then namespace/name).
import type {
  BackendTLSPolicy, ConfigMap, EndpointSlice, Gateway, GatewayClass, GRPCRoute, HTTPRoute,
  KubeObject, ListenerSet, Namespace, ReferenceGrant, Secret, Service, TCPRoute, TLSRoute, UDPRoute, XBackendTrafficPolicy,
} from './resources.ts';
import { X_GATEWAY_GROUP } from './resources.ts';
import type { SecurityPolicy } from './policies.ts';
import type { TrafficPolicy } from './traffic-policy.ts';
import { POLICY_GROUP } from './policies.ts';
import type { PkiVerdicts } from './pki.ts';

export interface Snapshot {
  gatewayClasses: GatewayClass[];
  gateways: Gateway[];
  listenerSets: ListenerSet[];
  httpRoutes: HTTPRoute[];
  grpcRoutes: GRPCRoute[];
  tlsRoutes: TLSRoute[];
  tcpRoutes: TCPRoute[];
  udpRoutes: UDPRoute[];
  referenceGrants: ReferenceGrant[];
  backendTLSPolicies: BackendTLSPolicy[];
  xBackendTrafficPolicies: XBackendTrafficPolicy[];
  /** Portico's policies (group policy.portico.dev), attached per GEP-713. */
  securityPolicies: SecurityPolicy[];
  trafficPolicies: TrafficPolicy[];
  namespaces: Namespace[];
  services: Service[];
  endpointSlices: EndpointSlice[];
  secrets: Secret[];
  configMaps: ConfigMap[];
  /**
   * Verdicts on the TLS material of the Secrets and ConfigMaps above (model/pki.ts), attached
   * where objects enter; not a list of objects.
   */
  pki?: PkiVerdicts;
  /**
   * Objects whose newest version was refused where objects enter (it fails its CRD schema):
   * "group/Kind/namespace/name" → why. The lists above hold their last accepted version, which
   * keeps serving; the translator says so in their status.
   */
  lastGood?: Record<string, string>;
}

/** The keys of the object lists (every key but `pki` and `lastGood`). */
export type SnapshotKey = Exclude<keyof Snapshot, 'pki' | 'lastGood'>;

/** Every object list of a snapshot, for code that walks all objects. */
export function snapshotLists(s: Snapshot): KubeObject[][] {
  return (Object.keys(emptySnapshot()) as SnapshotKey[]).map((k) => s[k] as KubeObject[]);
}

export const GATEWAY_GROUP = 'gateway.networking.k8s.io';

/** kind (and group) → the Snapshot list that holds it. */
const KINDS: Record<string, { group: string; key: SnapshotKey }> = {
  GatewayClass: { group: GATEWAY_GROUP, key: 'gatewayClasses' },
  Gateway: { group: GATEWAY_GROUP, key: 'gateways' },
  ListenerSet: { group: GATEWAY_GROUP, key: 'listenerSets' },
  HTTPRoute: { group: GATEWAY_GROUP, key: 'httpRoutes' },
  GRPCRoute: { group: GATEWAY_GROUP, key: 'grpcRoutes' },
  TLSRoute: { group: GATEWAY_GROUP, key: 'tlsRoutes' },
  TCPRoute: { group: GATEWAY_GROUP, key: 'tcpRoutes' },
  UDPRoute: { group: GATEWAY_GROUP, key: 'udpRoutes' },
  ReferenceGrant: { group: GATEWAY_GROUP, key: 'referenceGrants' },
  BackendTLSPolicy: { group: GATEWAY_GROUP, key: 'backendTLSPolicies' },
  XBackendTrafficPolicy: { group: X_GATEWAY_GROUP, key: 'xBackendTrafficPolicies' },
  SecurityPolicy: { group: POLICY_GROUP, key: 'securityPolicies' },
  TrafficPolicy: { group: POLICY_GROUP, key: 'trafficPolicies' },
  Namespace: { group: '', key: 'namespaces' },
  Service: { group: '', key: 'services' },
  EndpointSlice: { group: 'discovery.k8s.io', key: 'endpointSlices' },
  Secret: { group: '', key: 'secrets' },
  ConfigMap: { group: '', key: 'configMaps' },
};

export function emptySnapshot(): Snapshot {
  return {
    gatewayClasses: [], gateways: [], listenerSets: [], httpRoutes: [], grpcRoutes: [], tlsRoutes: [],
    tcpRoutes: [], udpRoutes: [], referenceGrants: [], backendTLSPolicies: [], xBackendTrafficPolicies: [], securityPolicies: [], trafficPolicies: [], namespaces: [],
    services: [], endpointSlices: [], secrets: [], configMaps: [],
  };
}

/** The group part of an apiVersion ("" for the core group). */
export function groupOf(apiVersion: string | undefined): string {
  if (!apiVersion) return '';
  const i = apiVersion.indexOf('/');
  return i < 0 ? '' : apiVersion.slice(0, i);
}

/** Which Snapshot list an object belongs in, or undefined for kinds Portico ignores. */
export function snapshotKeyOf(obj: { apiVersion?: string; kind?: string }): SnapshotKey | undefined {
  const entry = obj.kind ? KINDS[obj.kind] : undefined;
  if (!entry || entry.group !== groupOf(obj.apiVersion)) return undefined;
  return entry.key;
}

function isObject(x: unknown): x is KubeObject {
  return typeof x === 'object' && x !== null && typeof (x as any).kind === 'string' &&
    typeof (x as any).metadata === 'object' && (x as any).metadata !== null &&
    typeof (x as any).metadata.name === 'string';
}

/**
 * Builds a sorted Snapshot from arbitrary decoded objects. Unknown kinds and malformed entries
 * are skipped (their count is returned) rather than thrown on: the caller decides whether
 * that is worth a warning. Namespaced objects without a namespace get `defaultNamespace`.
 * `List` objects are flattened.
 */
export function fromObjects(objects: unknown[], defaultNamespace = 'default'): { snapshot: Snapshot; skipped: number } {
  const snapshot = emptySnapshot();
  let skipped = 0;
  const visit = (o: unknown) => {
    if (typeof o === 'object' && o !== null && Array.isArray((o as any).items) && String((o as any).kind ?? '').endsWith('List')) {
      for (const item of (o as any).items) visit(item);
      return;
    }
    const n = normalizedCopy(o, defaultNamespace);
    if (!n) { if (o != null) skipped++; return; }
    (snapshot[n.key] as unknown[]).push(n.object);
  };
  for (const o of objects) visit(o);
  return { snapshot: sortSnapshot(snapshot), skipped };
}

/**
 * A private copy of one object as a Snapshot holds it (namespace and generation defaulted), and
 * the list it belongs in; undefined for kinds Portico ignores and malformed entries.
 */
export function normalizedCopy(o: unknown, defaultNamespace = 'default'): { key: SnapshotKey; object: KubeObject } | undefined {
  if (!isObject(o) || !snapshotKeyOf(o)) return undefined;
  return normalizeInPlace(structuredClone(o), defaultNamespace);
}

/** normalizedCopy() without the copy, for an object its caller owns (already a private copy). */
export function normalizeInPlace(o: unknown, defaultNamespace = 'default'): { key: SnapshotKey; object: KubeObject } | undefined {
  if (!isObject(o)) return undefined;
  const key = snapshotKeyOf(o);
  if (!key) return undefined;
  const obj = o as any;
  if (key !== 'gatewayClasses' && key !== 'namespaces' && !obj.metadata.namespace) obj.metadata.namespace = defaultNamespace;
  if (obj.metadata.generation === undefined) obj.metadata.generation = 1;
  return { key, object: obj };
}

/**
 * A sorted Snapshot of objects that are already normalized (normalizedCopy) and not shared with
 * anyone who edits them: no copies, so an object that did not change keeps its identity from one
 * snapshot to the next (the incremental translator keys on it).
 */
export function assembleSnapshot(objects: Iterable<{ key: SnapshotKey; object: KubeObject }>): Snapshot {
  const snapshot = emptySnapshot();
  for (const { key, object } of objects) (snapshot[key] as KubeObject[]).push(object);
  return sortSnapshot(snapshot);
}

/** Oldest first, then "namespace/name": the spec's tie-break order for every kind. */
export function compareObjects(a: KubeObject | { metadata: KubeObject['metadata'] }, b: typeof a): number {
  const ta = a.metadata.creationTimestamp ?? '';
  const tb = b.metadata.creationTimestamp ?? '';
  if (ta !== tb) {
    // Objects with no timestamp (not yet created, e.g. at synth) sort after dated ones.
    if (!ta) return 1;
    if (!tb) return -1;
    const da = parsedTime(ta), db = parsedTime(tb);
    if (da !== db && !Number.isNaN(da) && !Number.isNaN(db)) return da - db;
  }
  const ka = `${a.metadata.namespace ?? ''}/${a.metadata.name}`;
  const kb = `${b.metadata.namespace ?? ''}/${b.metadata.name}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

// Sorting thousands of objects parses each timestamp a dozen times: parse each text once. A
// process sees few distinct creation times per second, and the cache is bounded.
const TIMES = new Map<string, number>();
function parsedTime(t: string): number {
  let ms = TIMES.get(t);
  if (ms === undefined) {
    if (TIMES.size >= 65_536) TIMES.clear();
    ms = Date.parse(t);
    TIMES.set(t, ms);
  }
  return ms;
}

export function sortSnapshot(s: Snapshot): Snapshot {
  const out = emptySnapshot();
  for (const key of Object.keys(out) as SnapshotKey[]) {
    (out[key] as unknown[]) = [...(s[key] as KubeObject[])].sort(compareObjects);
  }
  if (s.pki) out.pki = s.pki;
  if (s.lastGood) out.lastGood = s.lastGood;
  return out;
}

export function objectKey(o: { metadata: { namespace?: string; name: string } }): string {
  return o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : o.metadata.name;
}
