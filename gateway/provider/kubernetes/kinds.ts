// Every kind the Snapshot holds, as the REST resource the provider lists and watches.
// One table so informers, status writes and the README's RBAC list cannot drift apart.
export interface WatchedKind {
  kind: string;
  group: string;
  version: string;
  plural: string;
  namespaced: boolean;
  /** Narrows what is listed (least privilege: only TLS Secrets). */
  fieldSelector?: string;
  /** How a status write is done: map-like status is merge-patched, atomic lists are read-modify-written. */
  status?: 'merge' | 'parents' | 'ancestors';
  /** Status is input, not only output: a status-only change must produce a snapshot (a Service's load-balancer address). */
  statusIsInput?: boolean;
}

const GW = 'gateway.networking.k8s.io';
const XGW = 'gateway.networking.x-k8s.io';
const POLICY = 'policy.portico.dev';

export const WATCHED_KINDS: WatchedKind[] = [
  { kind: 'GatewayClass', group: GW, version: 'v1', plural: 'gatewayclasses', namespaced: false, status: 'merge' },
  { kind: 'Gateway', group: GW, version: 'v1', plural: 'gateways', namespaced: true, status: 'merge' },
  { kind: 'ListenerSet', group: GW, version: 'v1', plural: 'listenersets', namespaced: true, status: 'merge' },
  { kind: 'HTTPRoute', group: GW, version: 'v1', plural: 'httproutes', namespaced: true, status: 'parents' },
  { kind: 'GRPCRoute', group: GW, version: 'v1', plural: 'grpcroutes', namespaced: true, status: 'parents' },
  { kind: 'TLSRoute', group: GW, version: 'v1', plural: 'tlsroutes', namespaced: true, status: 'parents' },
  { kind: 'TCPRoute', group: GW, version: 'v1', plural: 'tcproutes', namespaced: true, status: 'parents' },
  { kind: 'UDPRoute', group: GW, version: 'v1', plural: 'udproutes', namespaced: true, status: 'parents' },
  { kind: 'BackendTLSPolicy', group: GW, version: 'v1', plural: 'backendtlspolicies', namespaced: true, status: 'ancestors' },
  // Experimental; watched so it can be reported as unsupported (empty with NotServed without the CRD).
  { kind: 'XBackendTrafficPolicy', group: XGW, version: 'v1alpha1', plural: 'xbackendtrafficpolicies', namespaced: true, status: 'ancestors' },
  // Portico's policy kinds (crds/portico); without the CRD installed the list is empty (NotServed).
  { kind: 'SecurityPolicy', group: POLICY, version: 'v1alpha1', plural: 'securitypolicies', namespaced: true, status: 'ancestors' },
  { kind: 'TrafficPolicy', group: POLICY, version: 'v1alpha1', plural: 'trafficpolicies', namespaced: true, status: 'ancestors' },
  { kind: 'ReferenceGrant', group: GW, version: 'v1beta1', plural: 'referencegrants', namespaced: true },
  { kind: 'Namespace', group: '', version: 'v1', plural: 'namespaces', namespaced: false },
  { kind: 'Service', group: '', version: 'v1', plural: 'services', namespaced: true, statusIsInput: true },
  { kind: 'Secret', group: '', version: 'v1', plural: 'secrets', namespaced: true, fieldSelector: 'type=kubernetes.io/tls' },
  { kind: 'ConfigMap', group: '', version: 'v1', plural: 'configmaps', namespaced: true },
  { kind: 'EndpointSlice', group: 'discovery.k8s.io', version: 'v1', plural: 'endpointslices', namespaced: true },
];

export function apiVersionOf(k: Pick<WatchedKind, 'group' | 'version'>): string {
  return k.group ? `${k.group}/${k.version}` : k.version;
}

/** The collection path; `namespace` undefined = across all namespaces (or cluster-scoped). */
export function collectionPath(k: WatchedKind, namespace?: string): string {
  const base = k.group ? `/apis/${k.group}/${k.version}` : `/api/${k.version}`;
  return k.namespaced && namespace ? `${base}/namespaces/${encodeURIComponent(namespace)}/${k.plural}` : `${base}/${k.plural}`;
}

export function objectPath(k: WatchedKind, namespace: string | undefined, name: string): string {
  return `${collectionPath(k, k.namespaced ? namespace : undefined)}/${encodeURIComponent(name)}`;
}

export function kindOf(group: string, kind: string): WatchedKind | undefined {
  return WATCHED_KINDS.find((k) => k.kind === kind && k.group === group);
}
