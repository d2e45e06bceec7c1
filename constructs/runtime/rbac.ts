// The RBAC the gateway's Kubernetes provider needs, and nothing more: read the kinds it watches,
// write only the status subresources it writes, hold its own Lease. A test checks these rules
// against the provider's table of watched kinds (gateway/provider/kubernetes/kinds.ts), so the
// two cannot drift apart. RBAC cannot narrow a verb to a field selector: `list` on Secrets grants
// every Secret in its scope (the provider lists only type=kubernetes.io/tls, and reads each Secret
// a policy names by its name: fieldSelector metadata.name=<name>), which is why the namespaced
// variant exists.

/** One rbac.authorization.k8s.io/v1 PolicyRule. */
export interface PolicyRule {
  readonly apiGroups: string[];
  readonly resources: string[];
  readonly verbs: string[];
  readonly resourceNames?: string[];
}

const GW = 'gateway.networking.k8s.io';
/** Experimental kinds: XBackendTrafficPolicy is watched only to report it as unsupported in its status. */
const XGW = 'gateway.networking.x-k8s.io';
const X_KINDS = { read: ['xbackendtrafficpolicies'], status: ['xbackendtrafficpolicies'] };
/** Portico's own policy kinds (crds/portico): read, and their status written. */
const POLICY = 'policy.portico.dev';
const POLICY_KINDS = { read: ['securitypolicies', 'trafficpolicies'], status: ['securitypolicies', 'trafficpolicies'] };
const READ = ['get', 'list', 'watch'];
const WRITE_STATUS = ['patch', 'update'];

/** Gateway API kinds the provider watches, by scope; the status-writing ones have a status subresource. */
const GATEWAY_KINDS = {
  cluster: { read: ['gatewayclasses'], status: ['gatewayclasses'] },
  namespaced: {
    read: ['gateways', 'listenersets', 'httproutes', 'grpcroutes', 'tlsroutes', 'tcproutes', 'udproutes', 'backendtlspolicies', 'referencegrants'],
    status: ['gateways', 'listenersets', 'httproutes', 'grpcroutes', 'tlsroutes', 'tcproutes', 'udproutes', 'backendtlspolicies'],
  },
};

/** Rules for cluster-scoped kinds (always a ClusterRole: GatewayClasses and Namespaces). */
export function clusterScopedRules(): PolicyRule[] {
  return [
    { apiGroups: [GW], resources: GATEWAY_KINDS.cluster.read, verbs: READ },
    { apiGroups: [GW], resources: GATEWAY_KINDS.cluster.status.map((r) => `${r}/status`), verbs: WRITE_STATUS },
    { apiGroups: [''], resources: ['namespaces'], verbs: READ },
  ];
}

/** Rules for namespaced kinds: in a ClusterRole (every namespace) or in Roles (watched namespaces only). */
export function namespacedRules(): PolicyRule[] {
  return [
    { apiGroups: [GW], resources: GATEWAY_KINDS.namespaced.read, verbs: READ },
    { apiGroups: [GW], resources: GATEWAY_KINDS.namespaced.status.map((r) => `${r}/status`), verbs: WRITE_STATUS },
    { apiGroups: [XGW], resources: X_KINDS.read, verbs: READ },
    { apiGroups: [XGW], resources: X_KINDS.status.map((r) => `${r}/status`), verbs: WRITE_STATUS },
    { apiGroups: [POLICY], resources: POLICY_KINDS.read, verbs: READ },
    { apiGroups: [POLICY], resources: POLICY_KINDS.status.map((r) => `${r}/status`), verbs: WRITE_STATUS },
    { apiGroups: [''], resources: ['services', 'configmaps', 'secrets'], verbs: READ },
    { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: READ },
  ];
}

/**
 * The leader-election Leases, in the runtime's namespace. `create` cannot be limited to names
 * (the object does not exist yet), `get`/`update` can.
 */
export function leaseRules(leaseNames: readonly string[]): PolicyRule[] {
  return [
    { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create'] },
    { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'update'], resourceNames: [...leaseNames].sort() },
  ];
}
