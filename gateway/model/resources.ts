// Plain types for the Kubernetes objects Portico reads. They follow the wire format of
// Gateway API v1.6.1 (camelCase JSON) so manifests parse straight into them. Optional
// everywhere the API allows omission: the translator defaults values the way the CRDs do.

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  generation?: number;
  resourceVersion?: string;
  creationTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface KubeObject<S = unknown, St = unknown> {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  spec?: S;
  status?: St;
}

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  observedGeneration?: number;
  lastTransitionTime: string;
}

// ---------------------------------------------------------------- references

export interface ParentReference {
  group?: string;
  kind?: string;
  namespace?: string;
  name: string;
  sectionName?: string;
  port?: number;
}

export interface BackendObjectReference {
  group?: string;
  kind?: string;
  name: string;
  namespace?: string;
  port?: number;
}

export interface SecretObjectReference {
  group?: string;
  kind?: string;
  name: string;
  namespace?: string;
}

export interface LocalObjectReference {
  group: string;
  kind: string;
  name: string;
}

export interface ParametersReference {
  group: string;
  kind: string;
  name: string;
  namespace?: string;
}

// ---------------------------------------------------------------- GatewayClass

export interface GatewayClassSpec {
  controllerName: string;
  parametersRef?: ParametersReference;
  description?: string;
}

export type GatewayClass = KubeObject<GatewayClassSpec>;

// ---------------------------------------------------------------- Gateway

export type ProtocolType = 'HTTP' | 'HTTPS' | 'TLS' | 'TCP' | 'UDP' | string;

export interface LabelSelectorRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  values?: string[];
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

export interface RouteNamespaces {
  from?: 'All' | 'Same' | 'Selector' | string;
  selector?: LabelSelector;
}

export interface RouteGroupKind {
  group?: string;
  kind: string;
}

export interface AllowedRoutes {
  namespaces?: RouteNamespaces;
  kinds?: RouteGroupKind[];
}

export interface FrontendTLSValidation {
  caCertificateRefs?: SecretObjectReference[];
  mode?: 'AllowValidOnly' | 'AllowInsecureFallback' | string;
}

export interface GatewayTLSConfig {
  mode?: 'Terminate' | 'Passthrough' | string;
  certificateRefs?: SecretObjectReference[];
  options?: Record<string, string>;
}

export interface Listener {
  name: string;
  hostname?: string;
  port: number;
  protocol: ProtocolType;
  tls?: GatewayTLSConfig;
  allowedRoutes?: AllowedRoutes;
}

export interface GatewayAddress {
  type?: 'IPAddress' | 'Hostname' | string;
  value?: string;
}

export interface GatewayInfrastructure {
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  parametersRef?: LocalObjectReference;
}

export interface AllowedListeners {
  namespaces?: { from?: 'All' | 'Same' | 'Selector' | 'None' | string; selector?: LabelSelector };
}

export interface GatewaySpec {
  gatewayClassName: string;
  listeners?: Listener[];
  addresses?: GatewayAddress[];
  infrastructure?: GatewayInfrastructure;
  allowedListeners?: AllowedListeners;
  tls?: {
    frontend?: {
      default?: { validation?: FrontendTLSValidation };
      perPort?: { port: number; tls: { validation?: FrontendTLSValidation } }[];
    };
    backend?: { clientCertificateRef?: SecretObjectReference };
  };
  defaultScope?: string;
}

export type Gateway = KubeObject<GatewaySpec>;

// ---------------------------------------------------------------- ListenerSet

export interface ListenerSetSpec {
  parentRef: { group?: string; kind?: string; name: string; namespace?: string };
  listeners: Listener[];
}

export type ListenerSet = KubeObject<ListenerSetSpec>;

// ---------------------------------------------------------------- HTTPRoute

export interface HTTPPathMatch {
  type?: 'Exact' | 'PathPrefix' | 'RegularExpression' | string;
  value?: string;
}

export interface HTTPHeaderMatch {
  type?: 'Exact' | 'RegularExpression' | string;
  name: string;
  value: string;
}

export interface HTTPQueryParamMatch {
  type?: 'Exact' | 'RegularExpression' | string;
  name: string;
  value: string;
}

export interface HTTPRouteMatch {
  path?: HTTPPathMatch;
  headers?: HTTPHeaderMatch[];
  queryParams?: HTTPQueryParamMatch[];
  method?: string;
}

export interface HTTPHeader {
  name: string;
  value: string;
}

export interface HTTPHeaderFilter {
  set?: HTTPHeader[];
  add?: HTTPHeader[];
  remove?: string[];
}

export interface HTTPPathModifier {
  type: 'ReplaceFullPath' | 'ReplacePrefixMatch' | string;
  replaceFullPath?: string;
  replacePrefixMatch?: string;
}

export interface HTTPRequestRedirectFilter {
  scheme?: string;
  hostname?: string;
  path?: HTTPPathModifier;
  port?: number;
  statusCode?: number;
}

export interface HTTPURLRewriteFilter {
  hostname?: string;
  path?: HTTPPathModifier;
}

export interface HTTPRequestMirrorFilter {
  backendRef: BackendObjectReference;
  percent?: number;
  fraction?: { numerator: number; denominator?: number };
}

export interface HTTPCORSFilter {
  allowOrigins?: string[];
  allowCredentials?: boolean;
  allowMethods?: string[];
  allowHeaders?: string[];
  exposeHeaders?: string[];
  maxAge?: number;
}

export interface HTTPExternalAuthFilter {
  protocol: 'HTTP' | 'GRPC' | string;
  backendRef: BackendObjectReference;
  grpc?: { allowedHeaders?: string[] };
  http?: { path?: string; allowedHeaders?: string[]; allowedResponseHeaders?: string[] };
  forwardBody?: { maxSize?: number };
}

export interface HTTPRouteFilter {
  type: string;
  requestHeaderModifier?: HTTPHeaderFilter;
  responseHeaderModifier?: HTTPHeaderFilter;
  requestMirror?: HTTPRequestMirrorFilter;
  requestRedirect?: HTTPRequestRedirectFilter;
  urlRewrite?: HTTPURLRewriteFilter;
  cors?: HTTPCORSFilter;
  externalAuth?: HTTPExternalAuthFilter;
  extensionRef?: LocalObjectReference;
}

export interface HTTPBackendRef extends BackendObjectReference {
  weight?: number;
  filters?: HTTPRouteFilter[];
}

export interface HTTPRouteTimeouts {
  request?: string;
  backendRequest?: string;
}

export interface HTTPRouteRetry {
  codes?: number[];
  attempts?: number;
  backoff?: string;
}

export interface SessionPersistence {
  sessionName?: string;
  absoluteTimeout?: string;
  idleTimeout?: string;
  type?: 'Cookie' | 'Header' | string;
  cookieConfig?: { lifetimeType?: 'Permanent' | 'Session' | string };
}

export interface HTTPRouteRule {
  name?: string;
  matches?: HTTPRouteMatch[];
  filters?: HTTPRouteFilter[];
  backendRefs?: HTTPBackendRef[];
  timeouts?: HTTPRouteTimeouts;
  retry?: HTTPRouteRetry;
  sessionPersistence?: SessionPersistence;
}

export interface HTTPRouteSpec {
  parentRefs?: ParentReference[];
  hostnames?: string[];
  rules?: HTTPRouteRule[];
}

export interface RouteParentStatus {
  parentRef: ParentReference;
  controllerName: string;
  conditions: Condition[];
}

export interface RouteStatus {
  parents: RouteParentStatus[];
}

export type HTTPRoute = KubeObject<HTTPRouteSpec, RouteStatus>;

// ---------------------------------------------------------------- GRPCRoute

export interface GRPCMethodMatch {
  type?: 'Exact' | 'RegularExpression' | string;
  service?: string;
  method?: string;
}

export interface GRPCHeaderMatch {
  type?: 'Exact' | 'RegularExpression' | string;
  name: string;
  value: string;
}

export interface GRPCRouteMatch {
  method?: GRPCMethodMatch;
  headers?: GRPCHeaderMatch[];
}

export interface GRPCRouteFilter {
  type: string;
  requestHeaderModifier?: HTTPHeaderFilter;
  responseHeaderModifier?: HTTPHeaderFilter;
  requestMirror?: HTTPRequestMirrorFilter;
  extensionRef?: LocalObjectReference;
}

export interface GRPCBackendRef extends BackendObjectReference {
  weight?: number;
  filters?: GRPCRouteFilter[];
}

export interface GRPCRouteRule {
  name?: string;
  matches?: GRPCRouteMatch[];
  filters?: GRPCRouteFilter[];
  backendRefs?: GRPCBackendRef[];
  sessionPersistence?: SessionPersistence;
}

export interface GRPCRouteSpec {
  parentRefs?: ParentReference[];
  hostnames?: string[];
  rules?: GRPCRouteRule[];
}

export type GRPCRoute = KubeObject<GRPCRouteSpec, RouteStatus>;

// ---------------------------------------------------------------- L4 routes

export interface L4BackendRef extends BackendObjectReference {
  weight?: number;
}

export interface L4RouteRule {
  name?: string;
  backendRefs?: L4BackendRef[];
}

export interface TLSRouteSpec {
  parentRefs?: ParentReference[];
  hostnames?: string[];
  rules?: L4RouteRule[];
}

export interface TCPRouteSpec {
  parentRefs?: ParentReference[];
  rules?: L4RouteRule[];
}

export type TLSRoute = KubeObject<TLSRouteSpec, RouteStatus>;
export type TCPRoute = KubeObject<TCPRouteSpec, RouteStatus>;
export type UDPRoute = KubeObject<TCPRouteSpec, RouteStatus>;

// ---------------------------------------------------------------- ReferenceGrant

export interface ReferenceGrantSpec {
  from: { group: string; kind: string; namespace: string }[];
  to: { group: string; kind: string; name?: string }[];
}

export type ReferenceGrant = KubeObject<ReferenceGrantSpec>;

// ---------------------------------------------------------------- BackendTLSPolicy

export interface BackendTLSPolicySpec {
  targetRefs: { group: string; kind: string; name: string; sectionName?: string }[];
  validation: {
    caCertificateRefs?: LocalObjectReference[];
    wellKnownCACertificates?: 'System' | string;
    hostname: string;
    subjectAltNames?: { type: 'Hostname' | 'URI' | string; hostname?: string; uri?: string }[];
  };
  options?: Record<string, string>;
}

export type BackendTLSPolicy = KubeObject<BackendTLSPolicySpec>;

// ---------------------------------------------------------------- XBackendTrafficPolicy (experimental)

export const X_GATEWAY_GROUP = 'gateway.networking.x-k8s.io';

/** Read only to report it as unsupported (retry budgets and session persistence are not applied). */
export interface XBackendTrafficPolicySpec {
  targetRefs: { group: string; kind: string; name: string }[];
  retryConstraint?: Record<string, unknown>;
  sessionPersistence?: Record<string, unknown>;
}

export type XBackendTrafficPolicy = KubeObject<XBackendTrafficPolicySpec>;

// ---------------------------------------------------------------- core objects

export interface ServicePort {
  name?: string;
  port: number;
  targetPort?: number | string;
  protocol?: 'TCP' | 'UDP' | 'SCTP' | string;
  appProtocol?: string;
}

export interface ServiceSpec {
  type?: string;
  selector?: Record<string, string>;
  ports?: ServicePort[];
  clusterIP?: string;
  clusterIPs?: string[];
  externalName?: string;
}

export interface ServiceStatus {
  loadBalancer?: { ingress?: { ip?: string; hostname?: string }[] };
}

export type Service = KubeObject<ServiceSpec, ServiceStatus>;

export interface EndpointSlice {
  apiVersion: string;
  kind: 'EndpointSlice';
  metadata: ObjectMeta;
  addressType?: 'IPv4' | 'IPv6' | 'FQDN' | string;
  endpoints?: {
    addresses: string[];
    conditions?: { ready?: boolean; serving?: boolean; terminating?: boolean };
    targetRef?: { kind?: string; name?: string; namespace?: string };
    hostname?: string;
  }[];
  ports?: { name?: string; port?: number; protocol?: string; appProtocol?: string }[];
}

export interface Secret {
  apiVersion: string;
  kind: 'Secret';
  metadata: ObjectMeta;
  type?: string;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}

export interface ConfigMap {
  apiVersion: string;
  kind: 'ConfigMap';
  metadata: ObjectMeta;
  data?: Record<string, string>;
}

export type Namespace = KubeObject<unknown>;
