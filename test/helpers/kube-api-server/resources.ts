// The REST resources the test API server knows, written out independently of the provider's
// own table so a wrong plural or version there fails a test instead of agreeing with itself.
export interface ApiResource { group: string; version: string; plural: string; kind: string; namespaced: boolean; custom: boolean }

const GW = 'gateway.networking.k8s.io';
const XGW = 'gateway.networking.x-k8s.io';
const POLICY = 'policy.portico.dev';
const r = (group: string, version: string, plural: string, kind: string, namespaced = true): ApiResource =>
  ({ group, version, plural, kind, namespaced, custom: group === GW || group === XGW || group === POLICY });

export const API_RESOURCES: ApiResource[] = [
  r(GW, 'v1', 'gatewayclasses', 'GatewayClass', false),
  r(GW, 'v1', 'gateways', 'Gateway'),
  r(GW, 'v1', 'listenersets', 'ListenerSet'),
  r(GW, 'v1', 'httproutes', 'HTTPRoute'),
  r(GW, 'v1', 'grpcroutes', 'GRPCRoute'),
  r(GW, 'v1', 'tlsroutes', 'TLSRoute'),
  r(GW, 'v1', 'tcproutes', 'TCPRoute'),
  r(GW, 'v1', 'udproutes', 'UDPRoute'),
  r(GW, 'v1', 'backendtlspolicies', 'BackendTLSPolicy'),
  r(GW, 'v1beta1', 'referencegrants', 'ReferenceGrant'),
  r(XGW, 'v1alpha1', 'xbackendtrafficpolicies', 'XBackendTrafficPolicy'),
  r(POLICY, 'v1alpha1', 'securitypolicies', 'SecurityPolicy'),
  r(POLICY, 'v1alpha1', 'trafficpolicies', 'TrafficPolicy'),
  r('', 'v1', 'namespaces', 'Namespace', false),
  r('', 'v1', 'services', 'Service'),
  r('', 'v1', 'secrets', 'Secret'),
  r('', 'v1', 'configmaps', 'ConfigMap'),
  r('discovery.k8s.io', 'v1', 'endpointslices', 'EndpointSlice'),
  r('coordination.k8s.io', 'v1', 'leases', 'Lease'),
];

export function apiVersion(res: ApiResource): string { return res.group ? `${res.group}/${res.version}` : res.version; }

export function resourceForObject(obj: { apiVersion?: string; kind?: string }): ApiResource | undefined {
  return API_RESOURCES.find((x) => x.kind === obj.kind && apiVersion(x) === obj.apiVersion);
}

export interface ParsedPath { res: ApiResource; namespace?: string; name?: string; status: boolean }

/** /api/v1/... and /apis/GROUP/VERSION/...: [namespaces/NS/]PLURAL[/NAME[/status]]. */
export function parsePath(pathname: string): ParsedPath | undefined {
  const segs = pathname.split('/').filter(Boolean).map(decodeURIComponent);
  let group: string, version: string, rest: string[];
  if (segs[0] === 'api') { group = ''; version = segs[1] ?? ''; rest = segs.slice(2); }
  else if (segs[0] === 'apis') { group = segs[1] ?? ''; version = segs[2] ?? ''; rest = segs.slice(3); }
  else return undefined;
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3) { namespace = rest[1]; rest = rest.slice(2); }
  const [plural, name, sub, ...extra] = rest;
  if (extra.length || (sub !== undefined && sub !== 'status')) return undefined;
  const res = API_RESOURCES.find((x) => x.group === group && x.version === version && x.plural === plural);
  if (!res || (namespace && !res.namespaced)) return undefined;
  return { res, namespace, name, status: sub === 'status' };
}
