// What the conversion decides, as plain data: routes per namespace, TLS listeners, grants and
// backend TLS policies. emit.ts turns it into the construct program; tests read it directly.

export interface BackendPlan { name: string; namespace: string; port: number; weight?: number }

export interface PathPlan { type: 'Exact' | 'PathPrefix' | 'RegularExpression'; value: string }
export interface HeaderPlan { type: 'Exact' | 'RegularExpression'; name: string; value: string }

export type FilterPlan =
  | { type: 'redirect'; scheme?: 'http' | 'https'; hostname?: string; port?: number; fullPath?: string; code: number }
  | { type: 'rewrite'; hostname?: string; fullPath?: string; prefix?: string }
  | { type: 'setHeaders'; set: Record<string, string> }
  | { type: 'cors'; allowOrigins: string[]; allowMethods: string[]; allowHeaders: string[]; exposeHeaders: string[]; allowCredentials: boolean; maxAge: number }
  | { type: 'externalAuth'; backend: BackendPlan; path?: string; responseHeaders: string[] };

export interface HttpRulePlan {
  /** The Ingress (and path) the rule comes from. */
  from: string;
  /** The rule's name: the Ingress's name and a number (access logs show it; policies target it). */
  name?: string;
  path: PathPlan;
  headers: HeaderPlan[];
  filters: FilterPlan[];
  backends: BackendPlan[];
  /** Seconds. */
  backendRequestTimeout?: number;
  session?: { cookieName: string; maxAgeSeconds?: number };
  /** The rule answers port 80 with a redirect to https (ssl-redirect); only the https side forwards. */
  sslRedirect?: number;
  /** Canary rules are merged into this one's path (host/path key); internal to convert.ts. */
  key: string;
}

export interface GrpcRulePlan { from: string; name?: string; service?: string; method?: string; backends: BackendPlan[] }

export type ParentPlan =
  | { kind: 'gateway'; listener: string }
  | { kind: 'listenerSet'; namespace: string; listener: string };

export interface RoutePlan {
  kind: 'HTTPRoute' | 'GRPCRoute' | 'TLSRoute';
  name: string;
  namespace: string;
  hostnames: string[];
  parents: ParentPlan[];
  httpRules: HttpRulePlan[];
  grpcRules: GrpcRulePlan[];
  tlsBackends: BackendPlan[];
  /** The Ingresses it comes from, for the emitted comment. */
  from: string[];
}

export interface TlsListenerPlan { name: string; hostname: string; secret: string }

export interface GrantPlan { namespace: string; fromNamespace: string; fromKinds: string[]; services: string[] }

export interface BackendTlsPlan { namespace: string; service: string; hostname: string; caConfigMap?: string }

/** A Portico policy (policy.portico.dev/v1alpha1) for one Ingress's rules. */
export interface PolicyPlan {
  kind: 'SecurityPolicy' | 'TrafficPolicy';
  namespace: string;
  name: string;
  /** The Ingress it comes from. */
  from: string;
  targetRefs: { group: string; kind: string; name: string; sectionName: string }[];
  /** The spec without targetRefs, in the CRD's shape. */
  spec: Record<string, unknown>;
}

/** A route holds at most 16 rules: larger hosts are split into numbered routes ("host", "host-2", ...). */
export const MAX_RULES = 16;

export function routeNameFor(name: string, ruleIndex: number): string {
  const chunk = Math.floor(ruleIndex / MAX_RULES);
  return chunk === 0 ? name : `${name}-${chunk + 1}`;
}

export interface NamespacePlan {
  namespace: string;
  hostnames: string[];
  /** HTTPS listeners of this namespace's ListenerSet (its own certificates). */
  tls: TlsListenerPlan[];
  /** cert-manager.io/* annotations of its Ingresses, moved to the ListenerSet. */
  certManager: Record<string, string>;
  routes: RoutePlan[];
  grants: GrantPlan[];
  backendTls: BackendTlsPlan[];
  policies: PolicyPlan[];
}

export interface PassthroughListenerPlan { name: string; hostname: string; namespace: string }

export interface Plan {
  gateway: { namespace: string; name: string };
  namespaces: NamespacePlan[];
  passthrough: PassthroughListenerPlan[];
}
